// Command flink-mesos-session runs a Flink session cluster on Apache Mesos.
package main

import (
	"context"

	"github.com/flink-mesos/flink-mesos/cluster"
	"github.com/flink-mesos/flink-mesos/internal/entry"
)

func main() {
	entry.Main(entry.Program{
		Name: "flink-mesos-session",
		Summary: `A Mesos framework that brings up a Flink session cluster (one JobManager task
and N TaskManager tasks), keeps it at its size, and survives its own restarts:
SIGTERM stops only the scheduler, the cluster keeps running for the next one.
Stop the cluster with Flink's DELETE /cluster or the scheduler's
DELETE /api/v1/cluster.

Example, on an in-process Mesos:
  flink-mesos-session -Dmesos.master=local[2] -Dmesos.initial-tasks=2`,
		Footer: `Exit codes: 0 clean end, 1 runtime failure, 2 bad usage or configuration.`,
		Run: func(ctx context.Context, env *entry.Env) error {
			return cluster.Main(ctx, cluster.InvocationFrom(env, cluster.Session))
		},
	})
}
