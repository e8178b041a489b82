package localmesos

import (
	"errors"
	"math"
	"strings"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// accept is Master::accept and _accept: validate the offers, then each
// operation in order; LAUNCH adds tasks, everything unused goes back under
// the call's filters.
func (s *state) accept(fw *framework, acc *mesospb.Call_Accept) {
	// Every LAUNCH naming a task ID counts, whatever becomes of it.
	for _, op := range acc.GetOperations() {
		for _, ti := range launchTasks(op) {
			rec := s.record(fw, ti.GetTaskId().GetValue())
			rec.launches++
			if !rec.live {
				rec.sent = proto.Clone(ti).(*mesospb.TaskInfo)
				if rec.agent == nil {
					rec.agent = s.agents[ti.GetAgentId().GetValue()]
				}
			}
		}
	}
	var err error
	if len(acc.GetOfferIds()) == 0 {
		err = errors.New("No offers specified")
	} else {
		err = s.validateOffers(acc.GetOfferIds(), fw)
	}
	if err != nil {
		for _, id := range acc.GetOfferIds() {
			if o := s.offers[id.GetValue()]; o != nil {
				s.discardOffer(o, nil)
			}
		}
		state := mesospb.TaskState_TASK_LOST
		if fw.caps.partitionAware {
			state = mesospb.TaskState_TASK_DROPPED
		}
		for _, op := range acc.GetOperations() {
			if op.GetType() != mesospb.Offer_Operation_LAUNCH && op.GetType() != mesospb.Offer_Operation_LAUNCH_GROUP {
				s.dropOperation(fw, op, "Operation attempted with invalid offers: "+err.Error())
				continue
			}
			for _, ti := range launchTasks(op) {
				s.refuseTask(fw, ti, state, "Task launched with invalid offers: "+err.Error(), mesospb.TaskStatus_REASON_INVALID_OFFERS)
			}
		}
		return
	}

	var offers []*offer
	for _, id := range acc.GetOfferIds() {
		offers = append(offers, s.offers[id.GetValue()])
	}
	a, role := offers[0].agent, offers[0].role

	// Validate and upgrade the resources of every operation, and refuse
	// operation feedback (Master::accept).
	var ops []*mesospb.Offer_Operation
	for _, orig := range acc.GetOperations() {
		op := proto.Clone(orig).(*mesospb.Offer_Operation)
		err := validateAndUpgradeResources(op)
		switch {
		case err != nil:
			switch op.GetType() {
			case mesospb.Offer_Operation_LAUNCH:
				for _, ti := range op.GetLaunch().GetTaskInfos() {
					s.refuseTask(fw, ti, mesospb.TaskState_TASK_ERROR, err.Error(), mesospb.TaskStatus_REASON_TASK_INVALID)
				}
			case mesospb.Offer_Operation_LAUNCH_GROUP:
				for _, ti := range op.GetLaunchGroup().GetTaskGroup().GetTasks() {
					s.refuseTask(fw, ti, mesospb.TaskState_TASK_ERROR, err.Error(), mesospb.TaskStatus_REASON_TASK_GROUP_INVALID)
				}
			case mesospb.Offer_Operation_UNKNOWN:
				s.m.log.Warn("ignoring unknown operation", "framework", fw.id)
			default:
				s.dropOperation(fw, op, "Operation attempted with invalid resources: "+err.Error())
			}
		case op.Id != nil:
			switch op.GetType() {
			case mesospb.Offer_Operation_LAUNCH:
				for _, ti := range op.GetLaunch().GetTaskInfos() {
					s.refuseTask(fw, ti, mesospb.TaskState_TASK_ERROR, "The `id` field cannot be set on LAUNCH operations", mesospb.TaskStatus_REASON_TASK_INVALID)
				}
			case mesospb.Offer_Operation_LAUNCH_GROUP:
				for _, ti := range op.GetLaunchGroup().GetTaskGroup().GetTasks() {
					s.refuseTask(fw, ti, mesospb.TaskState_TASK_ERROR, "The `id` field cannot be set on LAUNCH_GROUP operations", mesospb.TaskStatus_REASON_TASK_GROUP_INVALID)
				}
			case mesospb.Offer_Operation_UNKNOWN:
				s.m.log.Warn("ignoring unknown operation", "framework", fw.id)
			default:
				// localmesos agents have no resource providers.
				s.dropOperation(fw, op, "Operation requested feedback, but agent "+a.id+" does not have the required RESOURCE_PROVIDER capability")
			}
		default:
			ops = append(ops, op)
		}
	}

	offered := resources(nil)
	for _, o := range offers {
		offered = offered.addAll(o.res)
		s.removeOffer(o)
	}
	remaining := offered
	for _, op := range ops {
		injectAllocationInfo(op, role)
		switch op.GetType() {
		case mesospb.Offer_Operation_LAUNCH:
			for _, ti := range op.GetLaunch().GetTaskInfos() {
				if ti.GetExecutor() != nil && ti.GetExecutor().FrameworkId == nil {
					ti.Executor.FrameworkId = &mesospb.FrameworkID{Value: proto.String(fw.id)}
				}
				consumed, err := s.validateTask(ti, fw, a, remaining)
				if err != nil {
					s.refuseTask(fw, ti, mesospb.TaskState_TASK_ERROR, err.Error(), mesospb.TaskStatus_REASON_TASK_INVALID)
					continue
				}
				remaining = remaining.subtractAll(consumed)
				s.launch(fw, a, role, ti, consumed)
			}
		case mesospb.Offer_Operation_LAUNCH_GROUP:
			for _, ti := range op.GetLaunchGroup().GetTaskGroup().GetTasks() {
				s.refuseTask(fw, ti, mesospb.TaskState_TASK_ERROR,
					"LAUNCH_GROUP is not supported by localmesos (it has no default executor)", mesospb.TaskStatus_REASON_TASK_GROUP_INVALID)
			}
		default:
			s.m.log.Warn("dropping operation: localmesos applies LAUNCH only", "framework", fw.id, "operation", op.GetType().String())
			s.dropOperation(fw, op, op.GetType().String()+" operations are not supported by localmesos")
		}
	}
	filters := acc.GetFilters()
	if filters == nil {
		filters = &mesospb.Filters{}
	}
	s.recoverResources(fw, a, role, remaining, filters)
}

func launchTasks(op *mesospb.Offer_Operation) []*mesospb.TaskInfo {
	switch op.GetType() {
	case mesospb.Offer_Operation_LAUNCH:
		return op.GetLaunch().GetTaskInfos()
	case mesospb.Offer_Operation_LAUNCH_GROUP:
		return op.GetLaunchGroup().GetTaskGroup().GetTasks()
	}
	return nil
}

// validateOffers is validation::offer::validate, in its order: unique,
// still valid, this framework's, one allocation role, one agent.
func (s *state) validateOffers(ids []*mesospb.OfferID, fw *framework) error {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id.GetValue()] {
			return errors.New("Duplicate offer " + id.GetValue() + " in offer list")
		}
		seen[id.GetValue()] = true
	}
	for _, id := range ids {
		if s.offers[id.GetValue()] == nil {
			return errors.New("Offer " + id.GetValue() + " is no longer valid")
		}
	}
	for _, id := range ids {
		if o := s.offers[id.GetValue()]; o.fw != fw {
			return errors.New("Offer " + id.GetValue() + " has invalid framework " + o.fw.id + " while framework " + fw.id + " is expected")
		}
	}
	first := s.offers[ids[0].GetValue()]
	for _, id := range ids {
		if o := s.offers[id.GetValue()]; o.role != first.role {
			return errors.New("Aggregated offers must be allocated to the same role. Offer " + id.GetValue() +
				" uses role '" + o.role + " but another is using role '" + first.role)
		}
	}
	for _, id := range ids {
		if o := s.offers[id.GetValue()]; o.agent != first.agent {
			return errors.New("Aggregated offers must belong to one single agent. Offer " + id.GetValue() +
				" uses agent " + o.agent.id + " and agent " + first.agent.id)
		}
	}
	return nil
}

// refuseTask answers a task the master will not launch with a
// master-generated update, and records the outcome for a task ID that is
// not running.
func (s *state) refuseTask(fw *framework, ti *mesospb.TaskInfo, st mesospb.TaskState, msg string, reason mesospb.TaskStatus_Reason) {
	rec := s.record(fw, ti.GetTaskId().GetValue())
	if !rec.live {
		rec.agentState, rec.masterState = st, st
	}
	s.forwardMasterUpdate(fw, s.masterStatus(ti.GetTaskId().GetValue(), ti.GetAgentId().GetValue(), st, msg, reason))
}

// dropOperation is Master::drop for an operation: OPERATION_ERROR goes to
// the framework only if it asked for feedback with an operation ID.
func (s *state) dropOperation(fw *framework, op *mesospb.Offer_Operation, msg string) {
	s.m.log.Warn("dropping operation", "framework", fw.id, "operation", op.GetType().String(), "reason", msg)
	if op.Id == nil {
		return
	}
	s.sendToFramework(fw, &mesospb.Event{
		Type: mesospb.Event_UPDATE_OPERATION_STATUS.Enum(),
		UpdateOperationStatus: &mesospb.Event_UpdateOperationStatus{Status: &mesospb.OperationStatus{
			OperationId: op.Id,
			State:       mesospb.OperationState_OPERATION_ERROR.Enum(),
			Message:     proto.String(msg),
		}},
	})
}

// validateAndUpgradeResources is src/common/resources_utils.cpp's function
// of that name: every resource of the operation is valid, then upgraded to
// the post-refinement format.
func validateAndUpgradeResources(op *mesospb.Offer_Operation) error {
	var lists [][]*mesospb.Resource
	switch op.GetType() {
	case mesospb.Offer_Operation_RESERVE:
		if op.Reserve == nil {
			return errors.New("A RESERVE offer operation must have the Offer.Operation.reserve field set.")
		}
		lists = append(lists, op.Reserve.Resources, op.Reserve.Source)
	case mesospb.Offer_Operation_UNRESERVE:
		if op.Unreserve == nil {
			return errors.New("An UNRESERVE offer operation must have the Offer.Operation.unreserve field set.")
		}
		lists = append(lists, op.Unreserve.Resources)
	case mesospb.Offer_Operation_CREATE:
		if op.Create == nil {
			return errors.New("A CREATE offer operation must have the Offer.Operation.create field set.")
		}
		lists = append(lists, op.Create.Volumes)
	case mesospb.Offer_Operation_DESTROY:
		if op.Destroy == nil {
			return errors.New("A DESTROY offer operation must have the Offer.Operation.destroy field set.")
		}
		lists = append(lists, op.Destroy.Volumes)
	case mesospb.Offer_Operation_GROW_VOLUME:
		if op.GrowVolume == nil {
			return errors.New("A GROW_VOLUME operation must have the Offer.Operation.grow_volume field set")
		}
		lists = append(lists, []*mesospb.Resource{op.GrowVolume.Volume}, []*mesospb.Resource{op.GrowVolume.Addition})
	case mesospb.Offer_Operation_SHRINK_VOLUME:
		if op.ShrinkVolume == nil {
			return errors.New("A SHRINK_VOLUME offer operation must have the Offer.Operation.shrink_volume field set")
		}
		lists = append(lists, []*mesospb.Resource{op.ShrinkVolume.Volume})
	case mesospb.Offer_Operation_LAUNCH:
		if op.Launch == nil {
			return errors.New("A LAUNCH offer operation must have the Offer.Operation.launch field set.")
		}
		for _, ti := range op.Launch.TaskInfos {
			lists = append(lists, ti.Resources)
			if ti.Executor != nil {
				lists = append(lists, ti.Executor.Resources)
			}
		}
	case mesospb.Offer_Operation_LAUNCH_GROUP:
		if op.LaunchGroup == nil {
			return errors.New("A LAUNCH_GROUP offer operation must have the Offer.Operation.launch_group field set.")
		}
		if op.LaunchGroup.Executor != nil {
			lists = append(lists, op.LaunchGroup.Executor.Resources)
		}
		for _, ti := range op.LaunchGroup.GetTaskGroup().GetTasks() {
			lists = append(lists, ti.Resources)
			if ti.Executor != nil {
				lists = append(lists, ti.Executor.Resources)
			}
		}
	case mesospb.Offer_Operation_CREATE_DISK:
		if op.CreateDisk == nil {
			return errors.New("A CREATE_DISK offer operation must have the Offer.Operation.create_disk field set.")
		}
		lists = append(lists, []*mesospb.Resource{op.CreateDisk.Source})
	case mesospb.Offer_Operation_DESTROY_DISK:
		if op.DestroyDisk == nil {
			return errors.New("A DESTROY_DISK offer operation must have the Offer.Operation.destroy_disk field set.")
		}
		lists = append(lists, []*mesospb.Resource{op.DestroyDisk.Source})
	default:
		return errors.New("Unknown offer operation")
	}
	for _, l := range lists {
		if err := validateResources(l); err != nil {
			return err
		}
	}
	for _, l := range lists {
		for _, r := range l {
			upgradeResource(r)
		}
	}
	return nil
}

// injectAllocationInfo gives every resource of a LAUNCH the offer's
// allocation role when the scheduler left it out
// (protobuf::injectAllocationInfo).
func injectAllocationInfo(op *mesospb.Offer_Operation, role string) {
	inject := func(rs []*mesospb.Resource) {
		for _, r := range rs {
			if r.AllocationInfo == nil {
				r.AllocationInfo = &mesospb.Resource_AllocationInfo{Role: proto.String(role)}
			}
		}
	}
	for _, ti := range launchTasks(op) {
		inject(ti.Resources)
		if ti.Executor != nil {
			inject(ti.Executor.Resources)
		}
	}
	if op.GetLaunchGroup().GetExecutor() != nil {
		inject(op.LaunchGroup.Executor.Resources)
	}
}

// validateTask is validation::task::validate for a LAUNCH task against the
// resources left in the offers. It returns what the task (and a new
// executor) consume.
func (s *state) validateTask(ti *mesospb.TaskInfo, fw *framework, a *agent, available resources) (resources, error) {
	id := ti.GetTaskId().GetValue()
	if err := validateID(id); err != nil {
		return nil, err
	}
	if fw.tasks[id] != nil {
		return nil, errors.New("Task has duplicate ID: " + id)
	}
	if fw.unreachableTasks[id] {
		return nil, errors.New("Task reuses the ID of an unreachable task: " + id)
	}
	if ti.GetAgentId().GetValue() != a.id {
		return nil, errors.New("Task uses invalid agent " + ti.GetAgentId().GetValue() + " while agent " + a.id + " is expected")
	}
	if gp := ti.GetKillPolicy().GetGracePeriod(); gp != nil && gp.GetNanoseconds() < 0 {
		return nil, errors.New("Task's 'kill_policy.grace_period' must be non-negative")
	}
	if ti.MaxCompletionTime != nil && ti.MaxCompletionTime.GetNanoseconds() < 0 {
		return nil, errors.New("Task's `max_completion_time` must be non-negative")
	}
	if len(ti.GetResources()) == 0 {
		return nil, errors.New("Task uses no resources")
	}
	if err := validateResourceList(ti.GetResources()); err != nil {
		return nil, errors.New("Task uses invalid resources: " + err.Error())
	}
	if err := singleAllocationRole(ti.GetResources()); err != nil {
		return nil, errors.New("Invalid task resources: " + err.Error())
	}
	if err := revocableMix(ti.GetResources()); err != nil {
		return nil, errors.New("Task mixes revocable and non-revocable resources: " + err.Error())
	}
	if ti.Command != nil {
		if err := validateEnvironment(ti.Command.GetEnvironment()); err != nil {
			return nil, errors.New("Task's `CommandInfo` is invalid: " + err.Error())
		}
	}
	if ti.Container != nil {
		if err := validateContainerInfo(ti.Container); err != nil {
			return nil, errors.New("Task's `ContainerInfo` is invalid: " + err.Error())
		}
	}
	if err := validateLimits(ti); err != nil {
		return nil, err
	}
	// validateExecutor.
	if (ti.Executor != nil) == (ti.Command != nil) {
		return nil, errors.New("Task should have at least one (but not both) of CommandInfo or ExecutorInfo present")
	}
	total := toResources(ti.GetResources())
	if ex := ti.Executor; ex != nil {
		if err := s.validateExecutor(ex, fw, a); err != nil {
			return nil, err
		}
		if ex.Type != nil && ex.GetType() != mesospb.ExecutorInfo_CUSTOM {
			return nil, errors.New("'ExecutorInfo.type' must be 'CUSTOM'")
		}
		if ex.Command == nil {
			return nil, errors.New("'ExecutorInfo.command' must be set")
		}
		exRes := toResources(ex.GetResources())
		if fw.executors[a.id][ex.GetExecutorId().GetValue()] == nil {
			total = total.addAll(exRes)
		}
		all := append(append([]*mesospb.Resource(nil), ti.GetResources()...), ex.GetResources()...)
		if err := validateResourceList(all); err != nil {
			return nil, errors.New("Task and its executor use invalid resources: " + err.Error())
		}
		if overlapping(toResources(ti.GetResources()), exRes) {
			return nil, errors.New("There are overlapping resources in the task resources " + protoListString(ti.GetResources()) +
				" and executor resources " + protoListString(ex.GetResources()))
		}
		if err := revocableMix(all); err != nil {
			return nil, errors.New("Task and its executor mix revocable and non-revocable resources: " + err.Error())
		}
	}
	if !available.contains(total) {
		return nil, errors.New("Total resources " + total.String() + " required by task and its executor is more than available " + available.String())
	}
	return total, nil
}

func (s *state) validateExecutor(ex *mesospb.ExecutorInfo, fw *framework, a *agent) error {
	switch ex.GetType() {
	case mesospb.ExecutorInfo_DEFAULT:
		if ex.Command != nil {
			return errors.New("'ExecutorInfo.command' must not be set for 'DEFAULT' executor")
		}
		if c := ex.Container; c != nil {
			if c.GetType() != mesospb.ContainerInfo_MESOS {
				return errors.New("'ExecutorInfo.container.type' must be 'MESOS' for 'DEFAULT' executor")
			}
			if c.GetMesos().GetImage() != nil {
				return errors.New("'ExecutorInfo.container.mesos.image' must not be set for 'DEFAULT' executor")
			}
		}
	case mesospb.ExecutorInfo_CUSTOM:
		if ex.Command == nil {
			return errors.New("'ExecutorInfo.command' must be set for 'CUSTOM' executor")
		}
	}
	if err := validateID(ex.GetExecutorId().GetValue()); err != nil {
		return err
	}
	if gp := ex.GetShutdownGracePeriod(); gp != nil && gp.GetNanoseconds() < 0 {
		return errors.New("ExecutorInfo's 'shutdown_grace_period' must be non-negative")
	}
	if ex.Command != nil {
		if err := validateEnvironment(ex.Command.GetEnvironment()); err != nil {
			return errors.New("Executor's `CommandInfo` is invalid: " + err.Error())
		}
	}
	if ex.Container != nil {
		if err := validateContainerInfo(ex.Container); err != nil {
			return errors.New("Executor's `ContainerInfo` is invalid: " + err.Error())
		}
	}
	if ex.FrameworkId == nil {
		return errors.New("'ExecutorInfo.framework_id' must be set")
	}
	if ex.GetFrameworkId().GetValue() != fw.id {
		return errors.New("ExecutorInfo has an invalid FrameworkID (Actual: " + ex.GetFrameworkId().GetValue() + " vs Expected: " + fw.id + ")")
	}
	if err := validateResourceList(ex.GetResources()); err != nil {
		return errors.New("Executor uses invalid resources: " + err.Error())
	}
	if err := singleAllocationRole(ex.GetResources()); err != nil {
		return errors.New("Invalid executor resources: " + err.Error())
	}
	if err := revocableMix(ex.GetResources()); err != nil {
		return errors.New("Executor mixes revocable and non-revocable resources: " + err.Error())
	}
	if existing := fw.executors[a.id][ex.GetExecutorId().GetValue()]; existing != nil && !proto.Equal(existing, ex) {
		sep := "------------------------------------------------------------\n"
		return errors.New("ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID.\n" + sep +
			"Existing ExecutorInfo:\n" + prototext.Format(existing) + "\n" + sep + "ExecutorInfo:\n" + prototext.Format(ex) + "\n" + sep)
	}
	return nil
}

// validateResourceList is resource::validate: Resources::validate, whole
// GPUs, disk and reservation checks.
func validateResourceList(pbs []*mesospb.Resource) error {
	if err := validateResources(pbs); err != nil {
		return errors.New("Invalid resources: " + err.Error())
	}
	var gpus int64
	for _, r := range pbs {
		if r.GetName() == "gpus" && r.GetType() == mesospb.Value_SCALAR {
			gpus += fixedPoint(r.GetScalar().GetValue())
		}
	}
	if gpus%1000 != 0 {
		return errors.New("Invalid 'gpus' resource: The 'gpus' resource must be an unsigned integer")
	}
	for _, r := range pbs {
		d := r.GetDisk()
		if d == nil {
			continue
		}
		switch {
		case d.Persistence != nil:
			switch {
			case r.Revocable != nil:
				return errors.New("Invalid DiskInfo: Persistent volumes cannot be created from revocable resources")
			case len(r.Reservations) == 0:
				return errors.New("Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources")
			case d.Volume == nil:
				return errors.New("Invalid DiskInfo: Expecting 'volume' to be set for persistent volume")
			case d.Volume.HostPath != nil:
				return errors.New("Invalid DiskInfo: Expecting 'host_path' to be unset for persistent volume")
			}
			if err := validateID(d.Persistence.GetId()); err != nil {
				return errors.New("Invalid DiskInfo: Invalid persistence ID for persistent volume: " + err.Error())
			}
		case d.Volume != nil:
			return errors.New("Invalid DiskInfo: Non-persistent volume not supported")
		case d.Source == nil:
			return errors.New("Invalid DiskInfo: DiskInfo is set but empty")
		}
	}
	for _, r := range pbs {
		if n := len(r.Reservations); n > 0 && r.Reservations[n-1].GetType() == mesospb.Resource_ReservationInfo_DYNAMIC && r.Revocable != nil {
			return errors.New("Invalid ReservationInfo: Dynamically reserved resource " + protoResourceString(r) + " cannot be created from revocable resources")
		}
	}
	return nil
}

func singleAllocationRole(pbs []*mesospb.Resource) error {
	role, have := "", false
	for _, r := range pbs {
		if r.GetAllocationInfo().Role == nil {
			return errors.New("The resources are not allocated to a role")
		}
		if !have {
			role, have = r.GetAllocationInfo().GetRole(), true
			continue
		}
		if r.GetAllocationInfo().GetRole() != role {
			return errors.New("The resources have multiple allocation roles ('" + r.GetAllocationInfo().GetRole() + "' and '" + role + "') but only one allocation role is allowed")
		}
	}
	return nil
}

func revocableMix(pbs []*mesospb.Resource) error {
	rev, non := map[string]bool{}, map[string]bool{}
	var names []string
	for _, r := range pbs {
		if !rev[r.GetName()] && !non[r.GetName()] {
			names = append(names, r.GetName())
		}
		if r.Revocable != nil {
			rev[r.GetName()] = true
		} else {
			non[r.GetName()] = true
		}
	}
	for _, n := range names {
		if rev[n] && non[n] {
			return errors.New("Cannot use both revocable and non-revocable '" + n + "' at the same time")
		}
	}
	return nil
}

// validateEnvironment is common::validation::validateEnvironment.
func validateEnvironment(env *mesospb.Environment) error {
	for _, v := range env.GetVariables() {
		switch v.GetType() {
		case mesospb.Environment_Variable_SECRET:
			if v.Secret == nil {
				return errors.New("Environment variable '" + v.GetName() + "' of type 'SECRET' must have a secret set")
			}
			if v.Value != nil {
				return errors.New("Environment variable '" + v.GetName() + "' of type 'SECRET' must not have a value set")
			}
			if err := validateSecret(v.Secret); err != nil {
				return errors.New("Environment variable '" + v.GetName() + "' specifies an invalid secret: " + err.Error())
			}
			if strings.Contains(string(v.Secret.GetValue().GetData()), "\x00") {
				return errors.New("Environment variable '" + v.GetName() + "' specifies a secret containing null bytes, which is not allowed in the environment")
			}
		case mesospb.Environment_Variable_VALUE:
			if v.Value == nil {
				return errors.New("Environment variable '" + v.GetName() + "' of type 'VALUE' must have a value set")
			}
			if v.Secret != nil {
				return errors.New("Environment variable '" + v.GetName() + "' of type 'VALUE' must not have a secret set")
			}
		default:
			return errors.New("Environment variable of type 'UNKNOWN' is not allowed")
		}
	}
	return nil
}

func validateSecret(sec *mesospb.Secret) error {
	switch sec.GetType() {
	case mesospb.Secret_REFERENCE:
		if sec.Reference == nil {
			return errors.New("Secret of type REFERENCE must have the 'reference' field set")
		}
		if sec.Value != nil {
			return errors.New("Secret '" + sec.GetReference().GetName() + "' of type REFERENCE must not have the 'value' field set")
		}
	case mesospb.Secret_VALUE:
		if sec.Value == nil {
			return errors.New("Secret of type VALUE must have the 'value' field set")
		}
		if sec.Reference != nil {
			return errors.New("Secret of type VALUE must not have the 'reference' field set")
		}
	}
	return nil
}

// validateContainerInfo is common::validation::validateContainerInfo.
func validateContainerInfo(c *mesospb.ContainerInfo) error {
	for _, v := range c.GetVolumes() {
		n := 0
		for _, set := range []bool{v.HostPath != nil, v.Image != nil, v.Source != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return errors.New("Invalid volume: Only one of them should be set: 'host_path', 'image' and 'source'")
		}
		if src := v.Source; src != nil {
			var missing string
			switch src.GetType() {
			case mesospb.Volume_Source_DOCKER_VOLUME:
				if src.DockerVolume == nil {
					missing = "'source.docker_volume' is not set for DOCKER_VOLUME volume"
				}
			case mesospb.Volume_Source_HOST_PATH:
				if src.HostPath == nil {
					missing = "'source.host_path' is not set for HOST_PATH volume"
				}
			case mesospb.Volume_Source_SANDBOX_PATH:
				if src.SandboxPath == nil {
					missing = "'source.sandbox_path' is not set for SANDBOX_PATH volume"
				}
			case mesospb.Volume_Source_SECRET:
				if src.Secret == nil {
					missing = "'source.secret' is not set for SECRET volume"
				}
			case mesospb.Volume_Source_CSI_VOLUME:
				// The subset carries no csi_volume field, so it can
				// never be set.
				missing = "'source.csi_volume' is not set for CSI volume"
			default:
				missing = "'source.type' is unknown"
			}
			if missing != "" {
				return errors.New("Invalid volume: " + missing)
			}
		}
	}
	if c.GetType() == mesospb.ContainerInfo_DOCKER {
		if c.Docker == nil {
			return errors.New("DockerInfo 'docker' is not set for DOCKER typed ContainerInfo")
		}
		for _, p := range c.Docker.GetParameters() {
			if p.GetKey() == "name" {
				return errors.New("Parameter in DockerInfo must not be 'name'")
			}
		}
	}
	return nil
}

// validateLimits is validateResourceLimits; localmesos agents have the
// TASK_RESOURCE_LIMITS capability.
func validateLimits(ti *mesospb.TaskInfo) error {
	limits := ti.GetLimits()
	if len(limits) == 0 {
		return nil
	}
	for name := range limits {
		if name != "cpus" && name != "mem" {
			return errors.New("Only cpus and mem may be included in a task's resource limits")
		}
	}
	res := toResources(ti.GetResources())
	if l, ok := limits["cpus"]; ok {
		cpus := res.scalar("cpus")
		if !hasScalar(ti.GetResources(), "cpus") {
			return errors.New("When a CPU limit is specified, a CPU request must also be specified")
		}
		if l.GetValue() < floating(cpus) {
			return errors.New("The cpu limit must be greater than or equal to the cpu request")
		}
	}
	if l, ok := limits["mem"]; ok {
		if !hasScalar(ti.GetResources(), "mem") {
			return errors.New("When a memory limit is specified, a memory request must also be specified")
		}
		if !math.IsInf(l.GetValue(), 1) && l.GetValue()*1024*1024 < float64(res.scalar("mem"))/1000*1024*1024 {
			return errors.New("The memory limit must be greater than or equal to the memory request")
		}
	}
	return nil
}

func hasScalar(pbs []*mesospb.Resource, name string) bool {
	for _, r := range pbs {
		if r.GetName() == name && r.GetType() == mesospb.Value_SCALAR {
			return true
		}
	}
	return false
}

// toResources converts validated, upgraded resources.
func toResources(pbs []*mesospb.Resource) resources {
	var out resources
	for _, pb := range pbs {
		out = out.add(fromProto(pb))
	}
	return out
}

// overlapping is detectOverlappingSetAndRangeResources: the sum of the
// parts holds less than the parts.
func overlapping(a, b resources) bool {
	sum := a.clone().addAll(b)
	count := func(rs resources) (n uint64) {
		for i := range rs {
			switch rs[i].typ {
			case mesospb.Value_RANGES:
				for _, rg := range rs[i].ranges {
					n += rg.end - rg.begin + 1
				}
			case mesospb.Value_SET:
				n += uint64(len(rs[i].set))
			}
		}
		return n
	}
	return count(a)+count(b) != count(sum)
}

func protoListString(pbs []*mesospb.Resource) string {
	parts := make([]string, len(pbs))
	for i, r := range pbs {
		parts[i] = protoResourceString(r)
	}
	return strings.Join(parts, "; ")
}

// launch adds a valid task (Master::addTask) and hands it to its agent.
func (s *state) launch(fw *framework, a *agent, role string, ti *mesospb.TaskInfo, consumed resources) {
	t := s.record(fw, ti.GetTaskId().GetValue())
	t.agent = a
	t.info = ti
	t.role = role
	t.res = consumed
	t.released = false
	t.live = true
	t.onAgent = true
	t.masterState = mesospb.TaskState_TASK_STAGING
	t.agentState = mesospb.TaskState_TASK_STAGING
	t.sentState, t.sentUUID = nil, nil
	t.pending = nil
	t.containerStatus = nil
	t.proc = nil
	t.container = uuidString(newUUID())
	if ex := ti.GetExecutor(); ex != nil {
		t.executor, t.custom = ex.GetExecutorId().GetValue(), true
		if fw.executors[a.id] == nil {
			fw.executors[a.id] = map[string]*mesospb.ExecutorInfo{}
		}
		if fw.executors[a.id][t.executor] == nil {
			fw.executors[a.id][t.executor] = proto.Clone(ex).(*mesospb.ExecutorInfo)
		}
	} else {
		t.executor, t.custom = t.id, false
	}
	fw.tasks[t.id] = t
	a.tasks[t.key()] = t
	s.m.log.Info("launching task", "framework", fw.id, "task", t.id, "agent", a.id, "resources", consumed.String())
	s.agentLaunch(t)
}

// agentLaunch is the agent receiving RunTaskMessage.
func (s *state) agentLaunch(t *task) {
	if t.agent.cfg.Processes {
		s.startProcess(t)
		return
	}
	// Simulated: the command (or custom) executor starts the task at once.
	s.agentUpdate(t, mesospb.TaskState_TASK_STARTING, mesospb.TaskStatus_SOURCE_EXECUTOR, "", nil)
	s.agentUpdate(t, mesospb.TaskState_TASK_RUNNING, mesospb.TaskStatus_SOURCE_EXECUTOR, "", nil)
}
