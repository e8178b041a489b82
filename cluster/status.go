package cluster

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flink-mesos/flink-mesos/internal/version"
)

// statusRefresh is how often the status page reloads itself.
const statusRefresh = 5 * time.Second

//go:embed status.html
var statusHTML string

// statusTemplate renders the page. html/template escapes every value for
// its context (text, attribute, URL), so nothing Mesos, Flink or the
// configuration says can inject markup.
var statusTemplate = template.Must(template.New("status").Funcs(template.FuncMap{
	"ago":       ago,
	"ports":     portsText,
	"resources": resourcesText,
	"stateClass": func(s string) string {
		return stateClass(s)
	},
	"workerState": workerState,
	"clock":       func(t time.Time) string { return t.UTC().Format("15:04:05") },
	"iso":         func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(statusHTML))

// statusPage is what the template gets.
type statusPage struct {
	Overview
	Now          time.Time
	Version      string
	Refresh      int
	Waiting      []WorkerView // workers not launched yet, with why
	EventsRecent []Event      // newest first
	JobManagerUI string       // the JobManager's REST URL, which serves Flink's web UI
}

func (m *Manager) serveStatus(w http.ResponseWriter, r *http.Request) {
	v, err := m.ask(r.Context(), request{kind: "overview"})
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	page := newStatusPage(v.(Overview), m.now())
	var buf bytes.Buffer
	if err := statusTemplate.Execute(&buf, page); err != nil {
		m.cfg.Logger.Error("rendering the status page", "error", err)
		http.Error(w, "the status page could not be rendered", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w.Header())
	w.Write(buf.Bytes())
}

// setPageHeaders sets the headers of a status page.
func setPageHeaders(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// The pages have no script of their own: forbid every script, so that
	// even a rendering mistake could not run one.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")
}

func newStatusPage(o Overview, now time.Time) statusPage {
	p := statusPage{Overview: o, Now: now, Version: version.String(), Refresh: int(statusRefresh / time.Second),
		JobManagerUI: o.RestURL}
	if o.JobManager != nil && o.JobManager.Waiting != "" {
		p.Waiting = append(p.Waiting, *o.JobManager)
	}
	for _, tm := range o.TaskManagers {
		if tm.Waiting != "" {
			p.Waiting = append(p.Waiting, tm)
		}
	}
	for i := len(o.Events) - 1; i >= 0; i-- {
		p.EventsRecent = append(p.EventsRecent, o.Events[i])
	}
	return p
}

// ago says how long before now t was, coarsely ("4s", "3m", "2h", "5d").
func ago(now time.Time, t any) string {
	var at time.Time
	switch v := t.(type) {
	case time.Time:
		at = v
	case *time.Time:
		if v == nil {
			return ""
		}
		at = *v
	default:
		return ""
	}
	if at.IsZero() {
		return ""
	}
	d := max(0, now.Sub(at))
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

// portsText lists ports by their Flink key without the common suffix:
// "rpc 31001 · data 31002".
func portsText(ports map[string]uint32) string {
	keys := make([]string, 0, len(ports))
	for k := range ports {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		name := strings.TrimSuffix(k, ".port")
		name = strings.TrimPrefix(strings.TrimPrefix(name, "taskmanager."), "jobmanager.")
		parts[i] = name + " " + strconv.FormatUint(uint64(ports[k]), 10)
	}
	return strings.Join(parts, " · ")
}

func resourcesText(r Resources) string {
	s := strconv.FormatFloat(r.CPUs, 'f', -1, 64) + " CPU · " + strconv.FormatInt(r.MemMB, 10) + " MB"
	if r.DiskMB > 0 {
		s += " · disk " + strconv.Itoa(r.DiskMB) + " MB"
	}
	if r.GPUs > 0 {
		s += fmt.Sprintf(" · %d GPU", r.GPUs)
	}
	return s
}

// stateClass picks the colour of a state badge.
func stateClass(s string) string {
	switch strings.TrimPrefix(strings.ToUpper(s), "TASK_") {
	case "RUNNING", "FINISHED", "OK", "INFO":
		return "ok"
	case "STAGING", "STARTING", "LAUNCHED", "LAUNCHING":
		return "busy"
	case "NEW", "PENDING", "WARNING", "KILLING", "RELEASED":
		return "warn"
	case "FAILED", "LOST", "ERROR", "DROPPED", "GONE", "GONE_BY_OPERATOR", "UNREACHABLE", "UNKNOWN", "KILLED":
		return "bad"
	}
	return "plain"
}

// workerState is the state a row shows: Mesos' word once it has spoken,
// else pending (no offer yet), launching, or released.
func workerState(v any) string {
	var w WorkerView
	switch v := v.(type) {
	case WorkerView:
		w = v
	case *WorkerView:
		if v == nil {
			return ""
		}
		w = *v
	}
	switch {
	case w.MesosState != "" && w.State == "released":
		return "killing"
	case w.MesosState != "":
		return strings.ToLower(strings.TrimPrefix(w.MesosState, "TASK_"))
	case w.State == "new":
		return "pending"
	case w.State == "launched":
		return "launching"
	}
	return w.State
}
