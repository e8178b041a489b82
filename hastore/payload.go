package hastore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The wire structs are what decodePayload reads: the JSON schema (doc.go)
// kept apart from the Go API, so a renamed Go field cannot silently change
// the format.
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

// encodePayload validates s and returns its payload. It writes the JSON by
// hand: encoding/json's reflection took twice as long as the fsync of a
// thousand-worker checkpoint (BenchmarkMemStoreSave). FuzzDecodePayload and
// TestGoldenV1 hold it to what encoding/json reads and writes.
func encodePayload(s State) ([]byte, error) {
	c, err := canonical(s)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 64+400*len(c.Workers))
	b = append(b, '{')
	if c.FrameworkID != "" {
		b = append(b, `"frameworkId":`...)
		b = appendJSONString(b, c.FrameworkID)
		b = append(b, ',')
	}
	b = append(b, `"nextTaskNumber":`...)
	b = strconv.AppendUint(b, c.NextTaskNumber, 10)
	var keys []string
	if len(c.Workers) > 0 {
		b = append(b, `,"workers":[`...)
		for i, w := range c.Workers {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"taskId":`...)
			b = appendJSONString(b, w.TaskID)
			b = append(b, `,"role":`...)
			b = appendJSONString(b, string(w.Role))
			b = append(b, `,"state":`...)
			b = appendJSONString(b, string(w.State))
			b = append(b, `,"index":`...)
			b = strconv.AppendInt(b, int64(w.Index), 10)
			b = append(b, `,"attempt":`...)
			b = strconv.AppendInt(b, int64(w.Attempt), 10)
			if w.AgentID != "" {
				b = append(b, `,"agentId":`...)
				b = appendJSONString(b, w.AgentID)
			}
			if w.Hostname != "" {
				b = append(b, `,"hostname":`...)
				b = appendJSONString(b, w.Hostname)
			}
			if len(w.Ports) > 0 {
				b = append(b, `,"ports":{`...)
				keys = sortedKeys(keys[:0], w.Ports)
				for j, k := range keys {
					if j > 0 {
						b = append(b, ',')
					}
					b = appendJSONString(b, k)
					b = append(b, ':')
					b = strconv.AppendUint(b, uint64(w.Ports[k]), 10)
				}
				b = append(b, '}')
			}
			if !w.LaunchedAt.IsZero() {
				b = append(b, `,"launchedAt":"`...)
				b = w.LaunchedAt.UTC().AppendFormat(b, time.RFC3339Nano)
				b = append(b, '"')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(c.Meta) > 0 {
		b = append(b, `,"meta":{`...)
		for j, k := range sortedKeys(keys[:0], c.Meta) {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, c.Meta[k])
		}
		b = append(b, '}')
	}
	b = append(b, '}')
	if len(b) > MaxPayloadSize {
		return nil, fmt.Errorf("%w: the state encodes to %d bytes; the limit is %d", ErrTooLarge, len(b), MaxPayloadSize)
	}
	return b, nil
}

func sortedKeys[V any](dst []string, m map[string]V) []string {
	for k := range m {
		dst = append(dst, k)
	}
	slices.Sort(dst)
	return dst
}

// appendJSONString appends s, valid UTF-8, as a JSON string: quote,
// backslash and control characters escaped, everything else as is. It
// escapes the same characters as encoding/json, except that it leaves <, >,
// & and U+2028/U+2029 alone: the payload is never embedded in HTML or
// JavaScript.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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
