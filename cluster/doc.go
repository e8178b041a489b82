// Package cluster is the resource manager shared by the session and per-job
// schedulers: it keeps a Flink cluster (one JobManager task and N
// TaskManager tasks) running on Mesos, survives its own restarts without
// touching Flink, and ends the cluster when asked to or when its job ends.
//
// One goroutine (Manager.Run) owns all state - the worker table, the current
// subscription, the timers - and handles Mesos notifications, timers and
// HTTP API requests one at a time, so nothing in this package takes a lock
// around the worker table. Every change that must survive a crash is saved
// to the checkpoint store before the Mesos call that depends on it goes out
// (the "outbox": calls queue while an input is handled, the state is saved,
// then the calls are sent in order). See README.md for the flow and the
// vocabulary.
package cluster
