package mesospb

// Terminal reports whether a task in this state will never run again, as
// Mesos' protobuf_utils isTerminalState decides it. TASK_LOST counts as
// terminal although a task may come back when a partitioned agent returns;
// TASK_UNREACHABLE and TASK_UNKNOWN do not.
func (s TaskState) Terminal() bool {
	switch s {
	case TaskState_TASK_FINISHED, TaskState_TASK_FAILED, TaskState_TASK_KILLED,
		TaskState_TASK_ERROR, TaskState_TASK_LOST, TaskState_TASK_DROPPED,
		TaskState_TASK_GONE, TaskState_TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}
