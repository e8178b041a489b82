package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/flink-mesos/flink-mesos/hastore"
	"github.com/flink-mesos/flink-mesos/mesoshttp"
)

// jobStatus is what the per-job scheduler last read from Flink's REST API.
type jobStatus struct {
	ID        string
	Name      string
	State     string
	StartTime time.Time
	Seen      time.Time
	LastError string
}

// finalState is the job's globally terminal state, if one was seen.
func (j jobStatus) finalState() string {
	switch j.State {
	case "FINISHED", "FAILED", "CANCELED":
		return j.State
	}
	return ""
}

type pollResult struct {
	job jobStatus
	err error
}

// maybePoll starts one REST poll of the JobManager when it is due.
func (m *Manager) maybePoll(ctx context.Context, now time.Time) {
	if m.cfg.Mode != PerJob || m.pollBusy || m.stopping != nil || now.Before(m.nextPoll) {
		return
	}
	jm := m.jobManager()
	if jm == nil || !jm.running() {
		m.nextPoll = time.Time{}
		return
	}
	url := "http://" + net.JoinHostPort(jm.rec.Hostname, strconv.Itoa(int(jm.rec.Ports["rest.port"]))) + "/jobs/overview"
	m.pollBusy = true
	m.nextPoll = now.Add(jobPollInterval)
	go func() {
		res := poll(ctx, url)
		select {
		case m.polls <- res:
		case <-ctx.Done():
		}
	}()
}

// poll reads /jobs/overview. A JobManager that answers garbage or nothing
// only costs this poll: the exit status stays the fallback.
func poll(ctx context.Context, url string) pollResult {
	ctx, cancel := context.WithTimeout(ctx, jobPollInterval)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return pollResult{err: err}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return pollResult{err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return pollResult{err: fmt.Errorf("GET %s: %s", url, resp.Status)}
	}
	var body struct {
		Jobs []struct {
			JID       string `json:"jid"`
			Name      string `json:"name"`
			State     string `json:"state"`
			StartTime int64  `json:"start-time"`
		} `json:"jobs"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return pollResult{err: fmt.Errorf("GET %s: not Flink's job overview: %w", url, err)}
	}
	if len(body.Jobs) == 0 {
		return pollResult{err: fmt.Errorf("GET %s: no job yet", url)}
	}
	j := body.Jobs[0]
	st := jobStatus{ID: j.JID, Name: j.Name, State: j.State}
	if j.StartTime > 0 {
		st.StartTime = time.UnixMilli(j.StartTime).UTC()
	}
	return pollResult{job: st}
}

func (m *Manager) onPoll(res pollResult, now time.Time) {
	m.pollBusy = false
	if res.err != nil {
		if m.job.LastError != res.err.Error() {
			m.log.Debug("reading the job's state failed", "error", res.err)
		}
		m.job.LastError = res.err.Error()
		return
	}
	res.job.Seen = now
	if res.job.State != m.job.State || res.job.ID != m.job.ID {
		m.log.Info("job state", "job", res.job.ID, "name", res.job.Name, "state", res.job.State)
		m.event(now, "info", fmt.Sprintf("job %s is %s", res.job.ID, res.job.State))
	}
	m.job = res.job
}

// advanceStop moves a stopping cluster along: once every task is gone (or
// the grace period is over) the framework is torn down, the checkpoint
// removed, and Run ends with the cluster's exit code.
func (m *Manager) advanceStop(ctx context.Context, now time.Time) (bool, error) {
	s := m.stopping
	if !s.tornDown {
		live := 0
		for _, w := range m.workers {
			if w.rec.State != hastore.WorkerNew {
				live++
			}
		}
		if live > 0 && now.Before(s.deadline) {
			return false, nil
		}
		if m.sub == nil {
			return false, nil // tear down once subscribed again
		}
		cctx, cancel := context.WithTimeout(ctx, requestTimeout)
		err := m.sub.Call(cctx, mesoshttp.Teardown())
		cancel()
		if err != nil {
			m.log.Warn("TEARDOWN failed; retrying", "error", err)
			s.deadline = now.Add(time.Second)
			return false, nil
		}
		s.tornDown = true
	}
	if err := m.cfg.Store.Remove(); err != nil {
		return true, &ExitError{Code: 1, Msg: fmt.Sprintf("cluster: the framework is torn down but removing the checkpoint failed: %v", err)}
	}
	m.log.Info("cluster stopped; framework torn down and checkpoint removed", "reason", s.why, "exit_code", s.code)
	if m.cfg.OnEnded != nil {
		m.cfg.OnEnded(s.code, s.why)
	}
	if s.code != 0 {
		return true, &ExitError{Code: s.code, Msg: s.why}
	}
	return true, nil
}
