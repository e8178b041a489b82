package localmesos

import (
	"net/http"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// dispatch applies a validated non-SUBSCRIBE call: the framework checks of
// Master::Http::scheduler (unknown 400, principal 400, not subscribed 403,
// stream ID 400), then the call itself.
func (s *state) dispatch(call *mesospb.Call, principal string, authenticated, hasStreamID bool, streamID string) response {
	fw := s.frameworks[call.GetFrameworkId().GetValue()]
	if fw == nil {
		return badRequest("Framework cannot be found")
	}
	if authenticated && principal != fw.info.GetPrincipal() {
		return badRequest("Authenticated principal '" + principal + "' does not match principal '" + fw.info.GetPrincipal() + "' set in `FrameworkInfo`")
	}
	if !fw.connected() {
		return forbidden("Framework is not subscribed")
	}
	if !hasStreamID {
		return badRequest("All non-subscribe calls should include the 'Mesos-Stream-Id' header")
	}
	if streamID != fw.stream.id {
		return badRequest("The stream ID '" + streamID + "' included in this request didn't match the stream ID currently associated with framework ID " + fw.id)
	}
	switch call.GetType() {
	case mesospb.Call_TEARDOWN:
		s.removeFramework(fw)
	case mesospb.Call_ACCEPT:
		s.accept(fw, call.GetAccept())
	case mesospb.Call_DECLINE:
		s.decline(call.GetDecline())
	case mesospb.Call_ACCEPT_INVERSE_OFFERS, mesospb.Call_DECLINE_INVERSE_OFFERS:
		// The master never makes inverse offers (no maintenance), so
		// every ID is unknown and ignored.
		s.m.log.Warn("ignoring inverse offer call: no such inverse offers", "framework", fw.id)
	case mesospb.Call_REVIVE:
		s.suppressOrRevive(fw, call.GetRevive().GetRoles(), true)
	case mesospb.Call_SUPPRESS:
		s.suppressOrRevive(fw, call.GetSuppress().GetRoles(), false)
	case mesospb.Call_KILL:
		s.kill(fw, call.GetKill())
	case mesospb.Call_SHUTDOWN:
		s.shutdownExecutor(fw, call.GetShutdown())
	case mesospb.Call_ACKNOWLEDGE:
		s.acknowledge(fw, call.GetAcknowledge())
	case mesospb.Call_ACKNOWLEDGE_OPERATION_STATUS:
		s.m.log.Warn("ignoring operation status acknowledgement: no such operation", "framework", fw.id)
	case mesospb.Call_RECONCILE:
		s.reconcile(fw, call.GetReconcile())
	case mesospb.Call_RECONCILE_OPERATIONS:
		s.reconcileOperations(fw, call.GetReconcileOperations())
	case mesospb.Call_MESSAGE:
		// Best effort in Mesos; localmesos executors take no messages.
		s.m.log.Info("dropping framework message: localmesos executors take no messages", "framework", fw.id)
	case mesospb.Call_REQUEST:
		// The built-in allocator ignores requests.
	case mesospb.Call_UPDATE_FRAMEWORK:
		return s.updateFrameworkCall(fw, call.GetUpdateFramework())
	default:
		return response{status: http.StatusNotImplemented, body: "501 Not Implemented."}
	}
	return accepted()
}

// reconcileOperations is Master::reconcileOperations. localmesos never has
// operations (it applies LAUNCH only), so every one asked about is unknown.
func (s *state) reconcileOperations(fw *framework, r *mesospb.Call_ReconcileOperations) {
	for _, op := range r.GetOperations() {
		status := &mesospb.OperationStatus{
			OperationId:        op.OperationId,
			AgentId:            op.AgentId,
			ResourceProviderId: op.ResourceProviderId,
		}
		id := op.GetAgentId().GetValue()
		switch {
		case op.AgentId != nil && s.agents[id] != nil:
			status.State, status.Message = mesospb.OperationState_OPERATION_UNKNOWN.Enum(), proto.String("Reconciliation: Operation is unknown")
		case op.AgentId != nil && s.unreachable[id] != nil:
			status.State, status.Message = mesospb.OperationState_OPERATION_UNREACHABLE.Enum(), proto.String("Reconciliation: Agent is unreachable")
		case op.AgentId != nil && s.gone[id] != nil:
			status.State, status.Message = mesospb.OperationState_OPERATION_GONE_BY_OPERATOR.Enum(), proto.String("Reconciliation: Agent marked gone by operator")
		case op.AgentId != nil:
			status.State, status.Message = mesospb.OperationState_OPERATION_UNKNOWN.Enum(), proto.String("Reconciliation: Both operation and agent are unknown")
		default:
			status.State, status.Message = mesospb.OperationState_OPERATION_UNKNOWN.Enum(), proto.String("Reconciliation: Operation is unknown and no 'agent_id' was provided")
		}
		s.sendToFramework(fw, &mesospb.Event{
			Type:                  mesospb.Event_UPDATE_OPERATION_STATUS.Enum(),
			UpdateOperationStatus: &mesospb.Event_UpdateOperationStatus{Status: status},
		})
	}
}
