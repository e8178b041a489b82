// Command flink-mesos-taskexecutor runs inside a Mesos task and starts the
// Flink JobManager or TaskManager process in it.
package main

import (
	"context"

	"github.com/flink-mesos/flink-mesos/internal/entry"
	"github.com/flink-mesos/flink-mesos/taskexec"
)

func main() {
	entry.Main(entry.Program{
		Name: "flink-mesos-taskexecutor",
		Summary: `Runs inside each Mesos task that a flink-mesos scheduler launches: turns the
scheduler's launch arguments and the Mesos sandbox into a Flink configuration
directory, starts the Flink JobManager or TaskManager in the foreground, forwards
SIGTERM/SIGINT to it (a second signal kills it) and exits with its status.
It is not meant to be started by hand; its arguments are written by the scheduler.`,
		RawArgs:    true,
		OwnSignals: true,
		Footer:     "Exit codes: the Flink process's own status (128+n if killed by signal n), 2 when the launch arguments, FLINK_HOME or the Flink command are wrong.",
		Run: func(ctx context.Context, env *entry.Env) error {
			return taskexec.Run(ctx, taskexec.Config{
				Args: env.Args, Getenv: env.Getenv, Stdout: env.Stdout, Stderr: env.Stderr,
				Logger: env.Logger, Signals: env.Signals,
			})
		},
	})
}
