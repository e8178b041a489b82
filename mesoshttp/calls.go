package mesoshttp

import (
	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Constructors of the calls a framework makes most. They leave
// framework_id unset: the subscription that sends a call fills it in.

// Accept accepts offers of one agent and role with operations (LAUNCH,
// ...). Unused resources return to the master, held back for
// filters.refuse_seconds (Mesos' default 5 s when filters is nil).
func Accept(offerIDs []*mesospb.OfferID, ops []*mesospb.Offer_Operation, filters *mesospb.Filters) *mesospb.Call {
	return &mesospb.Call{
		Type:   mesospb.Call_ACCEPT.Enum(),
		Accept: &mesospb.Call_Accept{OfferIds: offerIDs, Operations: ops, Filters: filters},
	}
}

// Decline declines offers; the master holds their resources back for
// filters.refuse_seconds.
func Decline(offerIDs []*mesospb.OfferID, filters *mesospb.Filters) *mesospb.Call {
	return &mesospb.Call{
		Type:    mesospb.Call_DECLINE.Enum(),
		Decline: &mesospb.Call_Decline{OfferIds: offerIDs, Filters: filters},
	}
}

// Acknowledge acknowledges a status update. Only updates that carry a uuid
// are acknowledged; Send refuses the call otherwise.
func Acknowledge(status *mesospb.TaskStatus) *mesospb.Call {
	return &mesospb.Call{
		Type: mesospb.Call_ACKNOWLEDGE.Enum(),
		Acknowledge: &mesospb.Call_Acknowledge{
			AgentId: status.GetAgentId(),
			TaskId:  status.GetTaskId(),
			Uuid:    status.GetUuid(),
		},
	}
}

// Kill asks for a task to be killed; agentID may be nil.
func Kill(taskID *mesospb.TaskID, agentID *mesospb.AgentID) *mesospb.Call {
	return &mesospb.Call{
		Type: mesospb.Call_KILL.Enum(),
		Kill: &mesospb.Call_Kill{TaskId: taskID, AgentId: agentID},
	}
}

// Reconcile asks for the latest state of tasks; with no tasks it asks for
// all tasks the master knows (implicit reconciliation).
func Reconcile(tasks ...*mesospb.Call_Reconcile_Task) *mesospb.Call {
	return &mesospb.Call{
		Type:      mesospb.Call_RECONCILE.Enum(),
		Reconcile: &mesospb.Call_Reconcile{Tasks: tasks},
	}
}

// ReconcileTask names a task for Reconcile; agentID may be nil.
func ReconcileTask(taskID *mesospb.TaskID, agentID *mesospb.AgentID) *mesospb.Call_Reconcile_Task {
	return &mesospb.Call_Reconcile_Task{TaskId: taskID, AgentId: agentID}
}

// Revive lifts the filters and suppression of roles (all of the
// framework's roles when none is given).
func Revive(roles ...string) *mesospb.Call {
	return &mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), Revive: &mesospb.Call_Revive{Roles: roles}}
}

// Suppress stops offers for roles (all of the framework's roles when none
// is given) until Revive.
func Suppress(roles ...string) *mesospb.Call {
	return &mesospb.Call{Type: mesospb.Call_SUPPRESS.Enum(), Suppress: &mesospb.Call_Suppress{Roles: roles}}
}

// Teardown removes the framework: the master kills its tasks and closes the
// stream. Once the master has accepted it, the subscription ends with
// ErrTornDown and Run stops with Fatal{ErrTornDown}.
func Teardown() *mesospb.Call {
	return &mesospb.Call{Type: mesospb.Call_TEARDOWN.Enum()}
}

// ID helpers, since every Mesos ID is a message with one string.

// TaskID returns a TaskID holding id.
func TaskID(id string) *mesospb.TaskID { return &mesospb.TaskID{Value: proto.String(id)} }

// OfferIDs returns the IDs of offers, for Accept and Decline.
func OfferIDs(offers ...*mesospb.Offer) []*mesospb.OfferID {
	ids := make([]*mesospb.OfferID, len(offers))
	for i, o := range offers {
		ids[i] = o.GetId()
	}
	return ids
}
