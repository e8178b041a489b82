// Command flink-mesos-taskexecutor runs inside a Mesos task and starts the
// Flink JobManager or TaskManager process in it.
package main

import (
	"context"
	"errors"

	"github.com/flink-mesos/flink-mesos/internal/entry"
)

func main() {
	entry.Main(entry.Program{
		Name: "flink-mesos-taskexecutor",
		Summary: `Runs inside each Mesos task: turns what the scheduler passed into Flink
configuration, starts the Flink process in the foreground, forwards signals to it
and exits with its status.`,
		AllowArgs:  true,
		OwnSignals: true,
		Run: func(ctx context.Context, env *entry.Env) error {
			return errors.New("the task executor is not built yet")
		},
	})
}
