package cluster_test

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/cluster"
	"github.com/flink-mesos/flink-mesos/localmesos"
)

// BenchmarkLaunch measures, in one process, the time from a Manager's
// start to N TaskManagers RUNNING on N simulated agents; the 100-task case
// is the baseline for the per-task cost. The figure for the real binary,
// with its peak RSS, is e2e's BenchmarkClusterScale.
//
//	go test -run '^$' -bench Launch -benchtime 1x ./cluster
func BenchmarkLaunch(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("taskmanagers=%d", n), func(b *testing.B) {
			for b.Loop() {
				agents := make([]localmesos.AgentConfig, n)
				for i := range agents {
					agents[i] = localmesos.AgentConfig{Resources: "cpus:2;mem:4096;ports:[31000-31099]"}
				}
				s := newSetup(b, localmesos.Config{Agents: agents, AllocationInterval: 100 * time.Millisecond, HeartbeatInterval: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)}, nil)
				s.quiet = true
				s.tms = n
				start := time.Now()
				sc := s.start(b)
				// Polls the scheduler's overview, which is cheap, rather
				// than snapshots of the whole master.
				for {
					var o cluster.Overview
					if sc.get("/api/v1/overview", &o) == nil && o.RunningTaskManagers == n && o.JobManager != nil && o.JobManager.MesosState == "TASK_RUNNING" {
						break
					}
					if time.Since(start) > 10*time.Minute {
						b.Fatal("not all running after 10 minutes")
					}
					time.Sleep(20 * time.Millisecond)
				}
				b.ReportMetric(time.Since(start).Seconds(), "up-s")
				b.ReportMetric(time.Since(start).Seconds()*1000/float64(n), "up-ms/task")
			}
		})
	}
}
