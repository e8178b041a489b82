package e2e_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/localmesos"
)

// BenchmarkClusterScale starts the real session binary against an
// in-process master with N simulated agents and measures, per size:
//
//	up-s        from process start to N TaskManagers (and the JobManager) RUNNING
//	recover-s   from a restart after SIGKILL to every task reconciled
//	            (the overview shows a Mesos state for each)
//	peak-MiB    the scheduler process's peak RSS (VmHWM) over both
//
// The 100-task case is the baseline measured in the same run: the ratio of
// per-task costs says how the cost grows. Run with
//
//	go test -run '^$' -bench ClusterScale -benchtime 1x ./e2e
func BenchmarkClusterScale(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("taskmanagers=%d", n), func(b *testing.B) {
			for b.Loop() {
				up, recov, peak := scaleRun(b, n)
				b.ReportMetric(up.Seconds(), "up-s")
				b.ReportMetric(recov.Seconds(), "recover-s")
				b.ReportMetric(float64(peak)/1024, "peak-MiB")
				b.ReportMetric(up.Seconds()*1000/float64(n), "up-ms/task")
			}
		})
	}
}

func scaleRun(b *testing.B, n int) (up, recov time.Duration, peakKiB int64) {
	b.Helper()
	agents := make([]localmesos.AgentConfig, n)
	for i := range agents {
		agents[i] = localmesos.AgentConfig{Resources: "cpus:2;mem:4096;disk:10240;ports:[31000-31099]"}
	}
	e := newEnv(b, envOpts{lm: localmesos.Config{Agents: agents, AllocationInterval: 100 * time.Millisecond, HeartbeatInterval: 5 * time.Second}, quiet: true})
	e.conf = append(e.conf, "mesos.initial-tasks="+strconv.Itoa(n), "taskmanager.memory.process.size=1g",
		"mesos.resourcemanager.tasks.cpus=1")
	start := time.Now()
	p := e.run("flink-mesos-session")
	// Polls the scheduler's overview rather than snapshots of the master,
	// which would cost more than what is measured, and less often as time
	// passes (pollPause): at 10,000 TaskManagers an overview is megabytes
	// of JSON, and decoding it every 20 ms took two fifths of this
	// process's CPU (and the scheduler's loop builds each).
	for {
		o, err := e.overview()
		if err == nil && o.RunningTaskManagers == n && o.JobManager != nil && o.JobManager.MesosState == "TASK_RUNNING" {
			break
		}
		if time.Since(start) > 10*time.Minute {
			b.Fatal("not all running after 10 minutes")
		}
		time.Sleep(pollPause(time.Since(start)))
	}
	up = time.Since(start)
	peakKiB = vmHWM(p.cmd.Process.Pid)
	p.kill()

	start = time.Now()
	p = e.run("flink-mesos-session")
	for {
		o, err := e.overview()
		if err == nil && len(o.TaskManagers) == n && o.JobManager != nil && o.JobManager.MesosState != "" {
			done := true
			for _, w := range o.TaskManagers {
				if w.MesosState == "" {
					done = false
					break
				}
			}
			if done {
				break
			}
		}
		if time.Since(start) > 10*time.Minute {
			b.Fatal("recovery did not finish")
		}
		time.Sleep(pollPause(time.Since(start)))
	}
	recov = time.Since(start)
	peakKiB = max(peakKiB, vmHWM(p.cmd.Process.Pid))
	for _, tk := range e.lm.Tasks() {
		if tk.Launches != 1 {
			b.Fatalf("task %s launched %d times", tk.ID, tk.Launches)
		}
	}
	p.kill()
	return up, recov, peakKiB
}

// pollPause is the wait between two polls after elapsed: a hundredth of
// it, so that the time measured is at most about 1 % late, within 20 ms and
// 1 s.
func pollPause(elapsed time.Duration) time.Duration {
	return min(max(elapsed/100, 20*time.Millisecond), time.Second)
}

// vmHWM reads a process's peak resident set size in KiB.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}
