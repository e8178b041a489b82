// Package soak is the product's chaos soak: it runs the real session
// scheduler binary against an in-process Mesos (package localmesos) with
// simulated agents, injects a seeded random schedule of faults for a set
// time, and checks after every fault that the scheduler's promises still
// hold. It has no code of its own outside its test; see soak_test.go.
//
// # Running it
//
//	go test ./soak                                      # the short run CI does
//	SOAK_DURATION=30m SOAK_SEED=42 go test -run TestSoak -timeout 0 -v ./soak
//
// Environment (all optional):
//
//	SOAK_DURATION      how long faults are injected (Go duration); default 40s, 15s with -short
//	SOAK_SEED          the seed of the fault schedule; default the clock
//	SOAK_MAX_FAULTS    stop after this many faults even if time remains; default 100000
//	SOAK_TASKMANAGERS  the starting number of TaskManagers; default 50
//	SOAK_BOUND         how long the cluster may take to be whole again after a
//	                   fault (the recovery bound); default 60s
//	SOAK_REPORT        a file to which the summary is also written
//
// With -v it logs each fault with its time and each round with its
// recovery time. A failure names the seed; rerun with SOAK_SEED set to it. The schedule is
// a function of the seed, but the moments at which the faults meet the
// scheduler are not, so a replay makes the same faults in the same order,
// not necessarily the same interleaving.
//
// # The world
//
// One session cluster: a JobManager and SOAK_TASKMANAGERS TaskManagers of
// 1 CPU and 1 GiB each on 30 simulated agents of 4 CPUs and 8 GiB (about
// 120 TaskManagers' room), a heartbeat every second (so the scheduler's
// watchdog fires after 5 s of silence) and an allocation cycle every
// 50 ms. Everything listens on 127.0.0.1.
//
// # Faults
//
// Each round injects one to three faults, 0 to 700 ms apart, then waits for
// the cluster to be whole again. The kinds, equally likely:
//
//	kill        SIGKILL the scheduler and start it again (after 0-500 ms)
//	torn        SIGKILL it, damage the newest checkpoint generation
//	            (truncated or one byte flipped), start it again
//	drop        cut every subscription stream (localmesos DropStreams)
//	redirect    elect a new master; the old URL answers 307 (Failover)
//	heartbeat   no HEARTBEAT for 6 s, so the scheduler's watchdog drops the
//	            stream and resubscribes
//	agent       an agent with tasks of the framework is lost (unreachable or
//	            gone by operator) and a fresh agent joins
//	tmfail      a running TaskManager fails (TASK_FAILED)
//	rescind     a TaskManager fails and the offers made for its
//	            replacement are rescinded
//	scale       PUT /api/v1/taskmanagers with a count from 40 to 60
//
// # Invariants
//
// After every fault:
//
//   - no task ID was ever launched twice (Mesos' count of LAUNCH operations
//     naming it is at most 1);
//   - the framework ID is the one the first scheduler registered, and Mesos
//     knows no other framework;
//   - localmesos refused no call. Two kinds of answer it lists are not
//     refusals: a 307 to the leader after a failover, and a 403 "Framework
//     is not subscribed" within 10 s of a drop, failover or heartbeat
//     silence, which is a call that was on its way when the master cut the
//     stream (the real master answers it the same, and the scheduler could
//     not have known); those are counted in the summary.
//
// After every round, within the recovery bound, and again at the end:
//
//   - exactly the wanted number of TaskManagers and one JobManager are
//     RUNNING, and Mesos runs no other live task of the framework;
//   - every live task of the framework is one the scheduler knows (its
//     overview lists it), i.e. reconciliation left nothing behind;
//   - each worker slot (role and index) has exactly one live task;
//   - every status update with a uuid has been acknowledged (localmesos
//     holds none unacknowledged for the framework);
//   - the scheduler is subscribed under the same framework ID and reports
//     the wanted count;
//   - the round made at most 40 master calls per TaskManager wanted (at
//     least 2,000): the busiest rounds make a few hundred (429 at most in
//     the recorded runs), a call repeated in a loop thousands a second. Each round's calls are logged
//     by type, and so are the waits the scheduler logged in the round
//     before each new SUBSCRIBE (its reconnect backoff) and before each
//     replacement of a failed worker (its replacement backoff).
//
// A torn checkpoint makes the scheduler start from the generation before:
// the tasks launched since are unknown to it and are killed, and the
// workers it remembers that have since been replaced are reconciled as
// gone and replaced again. "No task launched twice" still holds there: a
// replacement is a new task ID, never a second LAUNCH of an old one. The
// wanted count may also be older then, so after a torn fault the soak asks
// for its count again, as an operator would.
package soak
