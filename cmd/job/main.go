// Command flink-mesos-job runs one Flink job in its own cluster on Apache Mesos.
package main

import (
	"context"
	"strings"

	"github.com/flink-mesos/flink-mesos/cluster"
	"github.com/flink-mesos/flink-mesos/internal/entry"
)

func main() {
	entry.Main(entry.Program{
		Name: "flink-mesos-job",
		Summary: `A Mesos framework for one per-job Flink cluster: it runs the JobManager in
Flink's application mode (standalone-job.sh) with the job's class, and as many
TaskManagers as the job needs (ceil(parallelism.default / taskmanager.numberOfTaskSlots)
unless mesos.initial-tasks is set). When the job ends it kills its tasks, tears the
framework down, removes its checkpoint and exits: 0 when the job FINISHED, 1 when it
FAILED or was CANCELED. Arguments after the options go to the job's main method.

Example:
  flink-mesos-job -Dmesos.master=mesos1:5050 -Dparallelism.default=4 \
    --job-classname com.example.WordCount -- --input hdfs:///in`,
		Flags: []entry.Flag{
			{Names: []string{"--job-classname", "-j"}, Arg: "CLASS", Usage: "the job's main class (required)"},
			{Names: []string{"--job-id", "-jid"}, Arg: "ID", Usage: "fixed job ID (32 hex digits), as Flink's standalone-job.sh takes it; needed for HA recovery"},
			{Names: []string{"--fromSavepoint", "-s"}, Arg: "PATH", Usage: "restore the job from this savepoint"},
			{Names: []string{"--allowNonRestoredState", "-n"}, Usage: "allow savepoint state that maps to no operator"},
			{Names: []string{"--jars"}, Arg: "URI[,URI...]", Usage: "user jars the tasks fetch into their sandbox (added to mesos.resourcemanager.tasks.uris)"},
		},
		AllowArgs: true,
		Footer:    `Exit codes: 0 job FINISHED, 1 job FAILED or CANCELED or runtime failure, 2 bad usage or configuration.`,
		Run: func(ctx context.Context, env *entry.Env) error {
			class := env.Values["--job-classname"]
			if class == "" {
				return &entry.UsageError{Msg: "--job-classname is required", Hint: "flink-mesos-job --job-classname com.example.Job [options] [-- job arguments]"}
			}
			inv := cluster.InvocationFrom(env, cluster.PerJob)
			inv.Job = cluster.JobSpec{
				ClassName: class, JobID: env.Values["--job-id"], Args: env.Args,
				FromSavepoint: env.Values["--fromSavepoint"], AllowNonRestoredState: env.Values["--allowNonRestoredState"] == "true",
				Jars: splitList(env.Values["--jars"]),
			}
			return cluster.Main(ctx, inv)
		},
	})
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
