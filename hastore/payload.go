package hastore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// The wire structs keep the JSON schema (doc.go) apart from the Go API, so a
// renamed Go field cannot silently change the format.
type wireState struct {
	FrameworkID    string            `json:"frameworkId,omitempty"`
	NextTaskNumber uint64            `json:"nextTaskNumber"`
	Workers        []wireWorker      `json:"workers,omitempty"`
	Meta           map[string]string `json:"meta,omitempty"`
}

type wireWorker struct {
	TaskID     string            `json:"taskId"`
	Role       string            `json:"role"`
	State      string            `json:"state"`
	Index      int               `json:"index"`
	Attempt    int               `json:"attempt"`
	AgentID    string            `json:"agentId,omitempty"`
	Hostname   string            `json:"hostname,omitempty"`
	Ports      map[string]uint32 `json:"ports,omitempty"`
	LaunchedAt string            `json:"launchedAt,omitempty"`
}

// encodePayload validates s and returns its payload.
func encodePayload(s State) ([]byte, error) {
	c, err := canonical(s)
	if err != nil {
		return nil, err
	}
	w := wireState{FrameworkID: c.FrameworkID, NextTaskNumber: c.NextTaskNumber, Meta: c.Meta}
	if len(c.Meta) == 0 {
		w.Meta = nil
	}
	w.Workers = make([]wireWorker, len(c.Workers))
	for i, x := range c.Workers {
		ww := wireWorker{
			TaskID: x.TaskID, Role: string(x.Role), State: string(x.State), Index: x.Index, Attempt: x.Attempt,
			AgentID: x.AgentID, Hostname: x.Hostname, Ports: x.Ports,
		}
		if len(ww.Ports) == 0 {
			ww.Ports = nil
		}
		if !x.LaunchedAt.IsZero() {
			ww.LaunchedAt = x.LaunchedAt.UTC().Format(time.RFC3339Nano)
		}
		w.Workers[i] = ww
	}
	p, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if len(p) > MaxPayloadSize {
		return nil, fmt.Errorf("%w: the state encodes to %d bytes; the limit is %d", ErrTooLarge, len(p), MaxPayloadSize)
	}
	return p, nil
}

// decodePayload parses and validates a payload. Every error wraps ErrInvalid.
func decodePayload(p []byte) (State, error) {
	if t := bytes.TrimLeft(p, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		// A bare null would decode as an empty state, the one result that
		// must never come from a damaged or foreign file.
		return State{}, fmt.Errorf("%w: payload is not a JSON object", ErrInvalid)
	}
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.DisallowUnknownFields()
	var w wireState
	if err := dec.Decode(&w); err != nil {
		return State{}, fmt.Errorf("%w: payload: %w", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return State{}, fmt.Errorf("%w: payload has data after its JSON object", ErrInvalid)
	}
	s := State{FrameworkID: w.FrameworkID, NextTaskNumber: w.NextTaskNumber}
	if len(w.Meta) > 0 {
		s.Meta = w.Meta
	}
	if len(w.Workers) > 0 {
		s.Workers = make([]Worker, len(w.Workers))
	}
	for i, ww := range w.Workers {
		if i > 0 && strings.Compare(w.Workers[i-1].TaskID, ww.TaskID) >= 0 {
			return State{}, fmt.Errorf("%w: workers %q and %q are out of order or repeated; they must be sorted by unique task ID",
				ErrInvalid, w.Workers[i-1].TaskID, ww.TaskID)
		}
		x := Worker{
			TaskID: ww.TaskID, Role: Role(ww.Role), State: WorkerState(ww.State), Index: ww.Index, Attempt: ww.Attempt,
			AgentID: ww.AgentID, Hostname: ww.Hostname,
		}
		if len(ww.Ports) > 0 {
			x.Ports = ww.Ports
		}
		if ww.LaunchedAt != "" {
			t, err := time.Parse(time.RFC3339Nano, ww.LaunchedAt)
			if err != nil {
				return State{}, fmt.Errorf("%w: worker %q: launchedAt: %w", ErrInvalid, ww.TaskID, err)
			}
			x.LaunchedAt = t.UTC()
		}
		s.Workers[i] = x
	}
	if _, err := canonical(s); err != nil {
		return State{}, err
	}
	return s, nil
}
