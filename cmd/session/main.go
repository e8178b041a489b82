// Command flink-mesos-session runs a Flink session cluster on Apache Mesos.
package main

import (
	"context"
	"errors"

	"github.com/flink-mesos/flink-mesos/internal/entry"
)

func main() {
	entry.Main(entry.Program{
		Name: "flink-mesos-session",
		Summary: `A Mesos framework that brings up a Flink session cluster (one JobManager task
and N TaskManager tasks), keeps it at its size and survives its own restarts.`,
		Run: func(ctx context.Context, env *entry.Env) error {
			return errors.New("the session scheduler is not built yet")
		},
	})
}
