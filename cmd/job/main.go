// Command flink-mesos-job runs one Flink job in its own cluster on Apache Mesos.
package main

import (
	"context"
	"errors"

	"github.com/flink-mesos/flink-mesos/internal/entry"
)

func main() {
	entry.Main(entry.Program{
		Name: "flink-mesos-job",
		Summary: `A Mesos framework for one per-job Flink cluster: it runs the JobManager in
application mode and the TaskManagers the job needs, and exits with the job's result.`,
		Flags: []entry.Flag{
			{Names: []string{"--job-classname", "-j"}, Arg: "CLASS", Usage: "the job's main class"},
		},
		AllowArgs: true,
		Run: func(ctx context.Context, env *entry.Env) error {
			return errors.New("the per-job scheduler is not built yet")
		},
	})
}
