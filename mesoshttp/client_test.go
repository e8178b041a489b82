package mesoshttp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

var encodings = []mesoshttp.Encoding{mesoshttp.Protobuf, mesoshttp.JSON}

func TestSubscribeAndCalls(t *testing.T) {
	for _, enc := range encodings {
		t.Run(enc.String(), func(t *testing.T) {
			m := newFakeMaster(t)
			m.heartbeat = 7
			url := m.serve()
			c := newClient(t, mesoshttp.Config{Masters: []string{url}, Encoding: enc})
			ch := run(t, c, subscribeWith(frameworkInfo()))

			s := next[mesoshttp.Subscribed](t, ch).Sub
			if got, want := s.FrameworkID().GetValue(), "fw-0001"; got != want {
				t.Errorf("FrameworkID %q, want %q", got, want)
			}
			if got := s.Generation(); got != 1 {
				t.Errorf("Generation %d, want 1", got)
			}
			if got, want := s.Master(), url+"/api/v1/scheduler"; got != want {
				t.Errorf("Master %q, want %q", got, want)
			}
			if got := s.MasterInfo().GetHostname(); got != "fake-master" {
				t.Errorf("MasterInfo hostname %q, want fake-master", got)
			}
			if got := s.HeartbeatInterval(); got != 7*time.Second {
				t.Errorf("HeartbeatInterval %v, want 7s", got)
			}
			if s.Err() != nil {
				t.Errorf("Err of a live subscription: %v", s.Err())
			}

			sc := receive(t, m.subscribes)
			if sc.FrameworkId != nil || sc.GetSubscribe().GetFrameworkInfo().Id != nil {
				t.Errorf("first SUBSCRIBE carries a framework ID: %v", sc)
			}
			h := m.headersOfSubscribe(0)
			ct := enc.ContentType()
			for _, kv := range [][2]string{{"Content-Type", ct}, {"Accept", ct}, {"Mesos-Stream-Id", ""}, {"Authorization", ""}, {"Connection", "close"}} {
				if got := h.Get(kv[0]); got != kv[1] {
					t.Errorf("SUBSCRIBE header %s = %q, want %q", kv[0], got, kv[1])
				}
			}

			// Events arrive in order; the heartbeat after SUBSCRIBED does not.
			m.push(heartbeatEvent())
			m.push(updateEvent("t1", mesospb.TaskState_TASK_RUNNING, nil))
			m.push(updateEvent("t2", mesospb.TaskState_TASK_FAILED, nil))
			for _, want := range []string{"t1", "t2"} {
				ev := nextEvent(t, ch, mesospb.Event_UPDATE)
				if got := ev.Event.GetUpdate().GetStatus().GetTaskId().GetValue(); got != want {
					t.Fatalf("update for %q, want %q", got, want)
				}
				if ev.Sub != s {
					t.Fatal("event carries another subscription")
				}
			}

			// Calls go out in send order, with the stream ID and framework ID.
			const n = 50
			for i := range n {
				if err := s.Send(mesoshttp.Kill(mesoshttp.TaskID(fmt.Sprint("task-", i)), nil)); err != nil {
					t.Fatalf("Send %d: %v", i, err)
				}
			}
			if err := s.Call(t.Context(), mesoshttp.Reconcile()); err != nil {
				t.Fatalf("Call RECONCILE: %v", err)
			}
			for i := range n {
				got := receive(t, m.calls)
				if want := fmt.Sprint("task-", i); got.GetKill().GetTaskId().GetValue() != want {
					t.Fatalf("call %d kills %q, want %q", i, got.GetKill().GetTaskId().GetValue(), want)
				}
				if got.GetFrameworkId().GetValue() != "fw-0001" {
					t.Fatalf("call %d framework_id %q", i, got.GetFrameworkId().GetValue())
				}
			}
			if got := receive(t, m.calls); got.GetType() != mesospb.Call_RECONCILE {
				t.Fatalf("last call %v, want RECONCILE", got.GetType())
			}
			ch0 := m.headersOfCall(0)
			for _, kv := range [][2]string{{"Content-Type", ct}, {"Accept", ct}, {"Mesos-Stream-Id", "c0ffee00-0000-4000-8000-000000000001"}} {
				if got := ch0.Get(kv[0]); got != kv[1] {
					t.Errorf("call header %s = %q, want %q", kv[0], got, kv[1])
				}
			}
		})
	}
}

func TestOffersBelongToTheirSubscription(t *testing.T) {
	m := newFakeMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s1 := next[mesoshttp.Subscribed](t, ch).Sub

	id := func(s string) *mesospb.OfferID { return &mesospb.OfferID{Value: proto.String(s)} }
	if err := s1.Send(mesoshttp.Decline([]*mesospb.OfferID{id("o1")}, nil)); !errors.Is(err, mesoshttp.ErrUnknownOffer) {
		t.Fatalf("DECLINE before any offer: %v, want ErrUnknownOffer", err)
	}
	m.push(offersEvent("o1", "o2", "o3"))
	offers := nextEvent(t, ch, mesospb.Event_OFFERS).Event.GetOffers().GetOffers()
	if len(offers) != 3 {
		t.Fatalf("%d offers, want 3", len(offers))
	}
	m.push(rescindEvent("o3"))
	nextEvent(t, ch, mesospb.Event_RESCIND)

	tests := []struct {
		name string
		call *mesospb.Call
		want error
	}{
		{"duplicate offer", mesoshttp.Decline([]*mesospb.OfferID{id("o1"), id("o1")}, nil), mesoshttp.ErrInvalidCall},
		{"rescinded offer", mesoshttp.Accept([]*mesospb.OfferID{id("o3")}, nil, nil), mesoshttp.ErrUnknownOffer},
		{"one unknown among known", mesoshttp.Accept([]*mesospb.OfferID{id("o1"), id("o9")}, nil, nil), mesoshttp.ErrUnknownOffer},
		{"no offer", mesoshttp.Accept(nil, nil, nil), mesoshttp.ErrInvalidCall},
		{"accept", mesoshttp.Accept([]*mesospb.OfferID{id("o1")}, nil, nil), nil},
		{"accept again", mesoshttp.Accept([]*mesospb.OfferID{id("o1")}, nil, nil), mesoshttp.ErrUnknownOffer},
		{"decline accepted", mesoshttp.Decline([]*mesospb.OfferID{id("o1")}, nil), mesoshttp.ErrUnknownOffer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s1.Send(tt.call)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Fatalf("Send: %v, want %v", err, tt.want)
			}
		})
	}
	if got := receive(t, m.calls); got.GetType() != mesospb.Call_ACCEPT || got.GetAccept().GetOfferIds()[0].GetValue() != "o1" {
		t.Fatalf("master got %v, want the one ACCEPT of o1", got)
	}
	select {
	case extra := <-m.calls:
		t.Fatalf("a refused call reached the master: %v", extra)
	case <-time.After(50 * time.Millisecond):
	}

	// A new subscription: o2 was never used but belongs to the old one.
	m.closeStream(true)
	d := next[mesoshttp.Disconnected](t, ch)
	if d.Sub != s1 {
		t.Fatal("Disconnected names another subscription")
	}
	s2 := next[mesoshttp.Subscribed](t, ch).Sub
	if err := s1.Send(mesoshttp.Decline([]*mesospb.OfferID{id("o2")}, nil)); !errors.Is(err, mesoshttp.ErrSubscriptionLost) {
		t.Fatalf("DECLINE on the ended subscription: %v, want ErrSubscriptionLost", err)
	}
	if err := s2.Send(mesoshttp.Decline([]*mesospb.OfferID{id("o2")}, nil)); !errors.Is(err, mesoshttp.ErrUnknownOffer) {
		t.Fatalf("DECLINE of an old offer on the new subscription: %v, want ErrUnknownOffer", err)
	}
	m.push(offersEvent("o2"))
	nextEvent(t, ch, mesospb.Event_OFFERS)
	if err := s2.Call(t.Context(), mesoshttp.Decline([]*mesospb.OfferID{id("o2")}, &mesospb.Filters{RefuseSeconds: proto.Float64(60)})); err != nil {
		t.Fatalf("DECLINE of the new offer: %v", err)
	}
}

func TestInvalidCalls(t *testing.T) {
	m := newFakeMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	uuid := bytes.Repeat([]byte{7}, 16)
	tests := []struct {
		name string
		call *mesospb.Call
		want error
	}{
		{"nil", nil, mesoshttp.ErrInvalidCall},
		{"no type", &mesospb.Call{}, mesoshttp.ErrInvalidCall},
		{"unknown type", &mesospb.Call{Type: mesospb.Call_UNKNOWN.Enum()}, mesoshttp.ErrInvalidCall},
		{"undeclared type", &mesospb.Call{Type: mesospb.Call_Type(99).Enum()}, mesoshttp.ErrInvalidCall},
		{"subscribe", &mesospb.Call{Type: mesospb.Call_SUBSCRIBE.Enum(), Subscribe: &mesospb.Call_Subscribe{FrameworkInfo: frameworkInfo()}}, mesoshttp.ErrInvalidCall},
		{"kill without payload", &mesospb.Call{Type: mesospb.Call_KILL.Enum()}, mesoshttp.ErrInvalidCall},
		{"kill without task id", mesoshttp.Kill(nil, nil), mesoshttp.ErrInvalidCall},
		{"another framework", &mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), FrameworkId: &mesospb.FrameworkID{Value: proto.String("other")}}, mesoshttp.ErrInvalidCall},
		{"ack without uuid", mesoshttp.Acknowledge(updateEvent("t", mesospb.TaskState_TASK_LOST, nil).GetUpdate().GetStatus()), mesoshttp.ErrInvalidCall},
		{"ack with short uuid", mesoshttp.Acknowledge(updateEvent("t", mesospb.TaskState_TASK_RUNNING, uuid[:8]).GetUpdate().GetStatus()), mesoshttp.ErrInvalidCall},
		{"ack operation without uuid", &mesospb.Call{Type: mesospb.Call_ACKNOWLEDGE_OPERATION_STATUS.Enum(), AcknowledgeOperationStatus: &mesospb.Call_AcknowledgeOperationStatus{}}, mesoshttp.ErrInvalidCall},
		{"ack", mesoshttp.Acknowledge(updateEvent("t", mesospb.TaskState_TASK_RUNNING, uuid).GetUpdate().GetStatus()), nil},
		{"revive", mesoshttp.Revive("flink"), nil},
		{"suppress", mesoshttp.Suppress(), nil},
		{"own framework id", &mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), FrameworkId: s.FrameworkID()}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Call(t.Context(), tt.call)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Fatalf("Call: %v, want %v", err, tt.want)
			}
			if tt.want == nil {
				if got := receive(t, m.calls); got.GetType() != tt.call.GetType() {
					t.Fatalf("master got %v, want %v", got.GetType(), tt.call.GetType())
				}
			}
		})
	}
	select {
	case extra := <-m.calls:
		t.Fatalf("an invalid call reached the master: %v", extra)
	default:
	}
	if s.Err() != nil {
		t.Fatalf("invalid calls ended the subscription: %v", s.Err())
	}
}

func TestResubscribeKeepsFrameworkID(t *testing.T) {
	tests := []struct {
		name    string
		drop    func(m *fakeMaster)
		wantErr func(error) bool
	}{
		{"clean close", func(m *fakeMaster) { m.closeStream(false) }, func(err error) bool { return errors.Is(err, mesoshttp.ErrStreamClosed) }},
		{"cut connection", func(m *fakeMaster) { m.closeStream(true) }, func(err error) bool { return err != nil }},
		{"cut inside a record", func(m *fakeMaster) {
			m.pushRaw([]byte("100\nabc"))
			m.closeStream(true)
		}, func(err error) bool {
			pe, ok := errors.AsType[*mesoshttp.ProtocolError](err)
			return ok && errors.Is(pe, io.ErrUnexpectedEOF)
		}},
		{"clean close inside a record", func(m *fakeMaster) {
			m.pushRaw([]byte("100\nabc"))
			m.closeStream(false)
		}, func(err error) bool {
			_, ok := errors.AsType[*mesoshttp.ProtocolError](err)
			return ok && errors.Is(err, io.ErrUnexpectedEOF)
		}},
		{"garbage length", func(m *fakeMaster) { m.pushRaw([]byte("<html>\n")) }, func(err error) bool {
			return errors.Is(err, recordio.ErrBadSize)
		}},
		{"oversized frame", func(m *fakeMaster) { m.pushRaw([]byte("99999999\n")) }, func(err error) bool {
			_, ok := errors.AsType[*mesoshttp.ProtocolError](err)
			return ok && errors.Is(err, recordio.ErrFrameTooLarge)
		}},
		{"undecodable event", func(m *fakeMaster) { m.pushRaw(recordio.AppendFrame(nil, []byte{0xff, 0xff, 0xff})) }, func(err error) bool {
			_, ok := errors.AsType[*mesoshttp.ProtocolError](err)
			return ok
		}},
		{"unknown event type", func(m *fakeMaster) { m.pushRaw(recordio.AppendFrame(nil, []byte{0x08, 42})) }, func(err error) bool {
			pe, ok := errors.AsType[*mesoshttp.ProtocolError](err)
			return ok && strings.Contains(pe.Reason, "unknown type 42")
		}},
		{"second SUBSCRIBED", func(m *fakeMaster) {
			m.push(&mesospb.Event{Type: mesospb.Event_SUBSCRIBED.Enum(), Subscribed: &mesospb.Event_Subscribed{FrameworkId: &mesospb.FrameworkID{Value: proto.String("x")}}})
		}, func(err error) bool {
			_, ok := errors.AsType[*mesoshttp.ProtocolError](err)
			return ok
		}},
		{"error event", func(m *fakeMaster) { m.push(errorEvent("Something odd")) }, func(err error) bool {
			ee, ok := errors.AsType[*mesoshttp.EventError](err)
			return ok && ee.Message == "Something odd" && !ee.Refused
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeMaster(t)
			c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}, MaxFrameSize: 1 << 20})
			ch := run(t, c, subscribeWith(frameworkInfo()))
			s1 := next[mesoshttp.Subscribed](t, ch).Sub
			receive(t, m.subscribes)
			tt.drop(m)
			d := next[mesoshttp.Disconnected](t, ch)
			if !tt.wantErr(d.Err) {
				t.Fatalf("Disconnected with %v (%T)", d.Err, d.Err)
			}
			if d.Sub != s1 || d.Retry <= 0 {
				t.Fatalf("Disconnected{Sub: %p, Retry: %v}, want Sub %p and a retry delay", d.Sub, d.Retry, s1)
			}
			<-s1.Done()
			if !errors.Is(s1.Err(), d.Err) {
				t.Errorf("Err %v, want %v", s1.Err(), d.Err)
			}
			if err := s1.Send(mesoshttp.Revive()); !errors.Is(err, mesoshttp.ErrSubscriptionLost) || !errors.Is(err, d.Err) {
				t.Errorf("Send on an ended subscription: %v, want ErrSubscriptionLost wrapping the cause", err)
			}
			s2 := next[mesoshttp.Subscribed](t, ch).Sub
			if s2.Generation() != 2 || s2.FrameworkID().GetValue() != s1.FrameworkID().GetValue() {
				t.Fatalf("resubscribed as generation %d of %q, want 2 of %q", s2.Generation(), s2.FrameworkID().GetValue(), s1.FrameworkID().GetValue())
			}
			sc := receive(t, m.subscribes)
			if sc.GetFrameworkId().GetValue() != "fw-0001" || sc.GetSubscribe().GetFrameworkInfo().GetId().GetValue() != "fw-0001" {
				t.Fatalf("resubscribe without the framework ID in both places: %v", sc)
			}
			// The new stream works.
			m.push(updateEvent("t", mesospb.TaskState_TASK_RUNNING, nil))
			if ev := nextEvent(t, ch, mesospb.Event_UPDATE); ev.Sub != s2 {
				t.Fatal("event of the new stream carries the old subscription")
			}
		})
	}
}

// TestSubscribeAnswers provokes every answer the brief's status table
// lists for SUBSCRIBE, plus the malformed 200s, and checks what Run makes
// of each: a retry (Disconnected, then a successful second attempt) or a
// stop (Fatal, channel closed).
func TestSubscribeAnswers(t *testing.T) {
	plain := func(status int, body string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) { http.Error(w, body, status) }
	}
	stream := func(ct, sid string, frames ...[]byte) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			if ct != "" {
				w.Header().Set("Content-Type", ct)
			}
			if sid != "" {
				w.Header().Set("Mesos-Stream-Id", sid)
			}
			w.WriteHeader(http.StatusOK)
			for _, f := range frames {
				w.Write(f)
			}
		}
	}
	pb := func(ev *mesospb.Event) []byte {
		return recordio.AppendFrame(nil, encodeEvent(t, mesoshttp.Protobuf, ev))
	}
	subscribed := pb(&mesospb.Event{Type: mesospb.Event_SUBSCRIBED.Enum(), Subscribed: &mesospb.Event_Subscribed{FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw-x")}}})
	isAPI := func(status int) func(error) bool {
		return func(err error) bool {
			ae, ok := errors.AsType[*mesoshttp.APIError](err)
			return ok && ae.Status == status && ae.Call == "SUBSCRIBE"
		}
	}
	isProtocol := func(reason string) func(error) bool {
		return func(err error) bool {
			pe, ok := errors.AsType[*mesoshttp.ProtocolError](err)
			return ok && strings.Contains(pe.Reason, reason)
		}
	}
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
		fatal  bool
		check  func(error) bool
	}{
		{"400 validation", plain(400, "Failed to validate scheduler::Call: Expecting 'framework_id' to be present"), true, isAPI(400)},
		{"401", plain(401, "401 Unauthorized."), true, isAPI(401)},
		{"403", plain(403, "Framework is not subscribed"), true, isAPI(403)},
		{"404", plain(404, "Not found"), false, isAPI(404)},
		{"405", plain(405, "405 Method Not Allowed."), true, isAPI(405)},
		{"406", plain(406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'"), true, isAPI(406)},
		{"409", plain(409, "Conflict"), false, isAPI(409)},
		{"415", plain(415, "Expecting 'Content-Type' of application/json or application/x-protobuf"), true, isAPI(415)},
		{"429", plain(429, "slow down"), false, func(err error) bool {
			ae, ok := errors.AsType[*mesoshttp.APIError](err)
			return ok && ae.Temporary()
		}},
		{"500", plain(500, "boom"), false, isAPI(500)},
		{"501", plain(501, ""), true, isAPI(501)},
		{"503 no leader", plain(503, "No leader elected"), false, func(err error) bool {
			ae, ok := errors.AsType[*mesoshttp.APIError](err)
			return ok && ae.Temporary() && ae.Body == "No leader elected\n"
		}},
		{"503 recovering", plain(503, "Master has not finished recovery"), false, isAPI(503)},
		{"200 html", stream("text/html; charset=utf-8", "", []byte("<html><body>login</body></html>")), false, isProtocol(`Content-Type "text/html; charset=utf-8"`)},
		{"200 json for protobuf", stream("application/json", "s", []byte(`20\n{"type":"HEARTBEAT"}`)), false, isProtocol("Content-Type")},
		{"200 with parameters", stream("application/x-protobuf; charset=binary", "s", subscribed), false, isProtocol("Content-Type")},
		{"200 without stream id", stream("application/x-protobuf", "", subscribed), false, isProtocol("without a Mesos-Stream-Id")},
		{"200 with a huge stream id", stream("application/x-protobuf", strings.Repeat("a", 129), subscribed), false, isProtocol("129 bytes")},
		{"200 empty body", stream("application/x-protobuf", "s"), false, isProtocol("before its first event")},
		{"200 empty framework id", stream("application/x-protobuf", "s", pb(&mesospb.Event{Type: mesospb.Event_SUBSCRIBED.Enum(), Subscribed: &mesospb.Event_Subscribed{FrameworkId: &mesospb.FrameworkID{Value: proto.String("")}}})), false, isProtocol("empty framework ID")},
		{"200 heartbeat first", stream("application/x-protobuf", "s", pb(heartbeatEvent()), subscribed), false, isProtocol("first event is HEARTBEAT")},
		{"200 garbage", stream("application/x-protobuf", "s", []byte("garbage\n")), false, isProtocol("RecordIO")},
		{"200 refused", stream("application/x-protobuf", "s", pb(errorEvent("Roles { * } are not present in the master's --roles"))), true, func(err error) bool {
			ee, ok := errors.AsType[*mesoshttp.EventError](err)
			return ok && ee.Refused && strings.Contains(ee.Message, "--roles")
		}},
		{"200 removed", stream("application/x-protobuf", "s", pb(errorEvent("Framework has been removed"))), true, func(err error) bool {
			return errors.Is(err, mesoshttp.ErrFrameworkRemoved)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeMaster(t)
			var attempts atomic.Int32
			m.onSubscribe = func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool {
				if attempts.Add(1) > 1 {
					return false
				}
				tt.answer(w)
				return true
			}
			c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
			ch := run(t, c, subscribeWith(frameworkInfo()))
			if tt.fatal {
				f := next[mesoshttp.Fatal](t, ch)
				if !tt.check(f.Err) {
					t.Fatalf("Fatal with %v (%T)", f.Err, f.Err)
				}
				closed(t, ch)
				return
			}
			d := next[mesoshttp.Disconnected](t, ch)
			if !tt.check(d.Err) {
				t.Fatalf("Disconnected with %v (%T)", d.Err, d.Err)
			}
			if d.Sub != nil {
				t.Fatal("a failed attempt reports a subscription")
			}
			next[mesoshttp.Subscribed](t, ch)
		})
	}
}

// TestCallAnswers provokes every answer of the status table for a
// non-SUBSCRIBE call, sent with Call and with Send.
func TestCallAnswers(t *testing.T) {
	type outcome int
	const (
		ok outcome = iota
		refused
		lost
	)
	tests := []struct {
		name     string
		status   int
		body     string
		location string
		want     outcome
	}{
		{"200", 200, "", "", ok},
		{"202", 202, "", "", ok},
		{"307", 307, "", "//other:5050/master/api/v1/scheduler", lost},
		{"400 validation", 400, "Failed to validate scheduler::Call: Expecting 'kill' to be present", "", refused},
		{"400 stream id", 400, "The stream ID 'x' included in this request didn't match the stream ID currently associated with framework ID fw-0001", "", lost},
		{"400 unknown framework", 400, "Framework cannot be found", "", lost},
		{"401", 401, "401 Unauthorized.", "", refused},
		{"403", 403, "Framework is not subscribed", "", lost},
		{"404", 404, "", "", refused},
		{"405", 405, "", "", refused},
		{"406", 406, "", "", refused},
		{"409", 409, "", "", refused},
		{"415", 415, "", "", refused},
		{"501", 501, "", "", refused},
	}
	for _, viaSend := range []bool{false, true} {
		for _, tt := range tests {
			name := tt.name + "/call"
			if viaSend {
				name = tt.name + "/send"
			}
			t.Run(name, func(t *testing.T) {
				m := newFakeMaster(t)
				m.onCall = func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool {
					if call.GetType() != mesospb.Call_KILL {
						return false
					}
					if tt.location != "" {
						w.Header().Set("Location", tt.location)
					}
					if tt.body == "" {
						w.WriteHeader(tt.status)
						return true
					}
					http.Error(w, tt.body, tt.status)
					return true
				}
				c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
				ch := run(t, c, subscribeWith(frameworkInfo()))
				s := next[mesoshttp.Subscribed](t, ch).Sub
				kill := mesoshttp.Kill(mesoshttp.TaskID("t"), nil)
				var err error
				if viaSend {
					if err := s.Send(kill); err != nil {
						t.Fatalf("Send: %v", err)
					}
					if tt.want == ok {
						// A later call proves the first went through
						// without a CallFailed.
						err = s.Call(t.Context(), mesoshttp.Revive())
					}
				} else {
					err = s.Call(t.Context(), kill)
				}
				switch tt.want {
				case ok:
					if err != nil {
						t.Fatalf("got %v, want success", err)
					}
					if s.Err() != nil {
						t.Fatalf("subscription ended: %v", s.Err())
					}
				case refused:
					if viaSend {
						f := next[mesoshttp.CallFailed](t, ch)
						if f.Sub != s || f.Call != mesospb.Call_KILL {
							t.Fatalf("CallFailed{%p, %v}", f.Sub, f.Call)
						}
						err = f.Err
					}
					ae, isAPI := errors.AsType[*mesoshttp.APIError](err)
					if !isAPI || ae.Status != tt.status || ae.Call != "KILL" || ae.SubscriptionLost() || ae.Temporary() {
						t.Fatalf("got %v, want an APIError %d for KILL", err, tt.status)
					}
					if tt.body != "" && !strings.Contains(ae.Body, tt.body) {
						t.Fatalf("APIError body %q, want %q", ae.Body, tt.body)
					}
					if s.Err() != nil {
						t.Fatalf("a refused call ended the subscription: %v", s.Err())
					}
				case lost:
					d := next[mesoshttp.Disconnected](t, ch)
					ae, isAPI := errors.AsType[*mesoshttp.APIError](d.Err)
					if !isAPI || ae.Status != tt.status || !ae.SubscriptionLost() {
						t.Fatalf("Disconnected with %v, want an APIError %d meaning lost", d.Err, tt.status)
					}
					if !viaSend && !errors.Is(err, d.Err) {
						t.Fatalf("Call returned %v, want %v", err, d.Err)
					}
				}
			})
		}
	}
}

func TestTemporaryCallErrorsAreRetried(t *testing.T) {
	m := newFakeMaster(t)
	var fails atomic.Int32
	fails.Store(3)
	m.onCall = func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool {
		if fails.Add(-1) < 0 {
			return false
		}
		http.Error(w, "Master has not finished recovery", http.StatusServiceUnavailable)
		return true
	}
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	if err := s.Call(t.Context(), mesoshttp.Revive()); err != nil {
		t.Fatalf("Call through a 503 storm: %v", err)
	}
	for range 4 {
		if got := receive(t, m.calls); got.GetType() != mesospb.Call_REVIVE {
			t.Fatalf("master got %v", got.GetType())
		}
	}
}

func TestTeardown(t *testing.T) {
	for _, viaSend := range []bool{false, true} {
		t.Run(fmt.Sprint("send=", viaSend), func(t *testing.T) {
			m := newFakeMaster(t)
			c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
			ch := run(t, c, subscribeWith(frameworkInfo()))
			s := next[mesoshttp.Subscribed](t, ch).Sub
			if viaSend {
				if err := s.Send(mesoshttp.Teardown()); err != nil {
					t.Fatal(err)
				}
			} else if err := s.Call(t.Context(), mesoshttp.Teardown()); err != nil {
				t.Fatal(err)
			}
			f := next[mesoshttp.Fatal](t, ch)
			if !errors.Is(f.Err, mesoshttp.ErrTornDown) {
				t.Fatalf("Fatal with %v, want ErrTornDown", f.Err)
			}
			closed(t, ch)
			if !errors.Is(s.Err(), mesoshttp.ErrTornDown) {
				t.Fatalf("Err %v", s.Err())
			}
		})
	}
}

// TestFatalErrorEvents: ERROR events in mid-stream that no resubscription
// can cure stop Run.
func TestFatalErrorEvents(t *testing.T) {
	tests := []struct {
		message string
		want    error
	}{
		{"Framework failed over", mesoshttp.ErrFrameworkFailedOver},
		{"Framework has been removed", mesoshttp.ErrFrameworkRemoved},
	}
	for _, tt := range tests {
		t.Run(tt.message, func(t *testing.T) {
			m := newFakeMaster(t)
			c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
			ch := run(t, c, subscribeWith(frameworkInfo()))
			next[mesoshttp.Subscribed](t, ch)
			m.push(errorEvent(tt.message))
			f := next[mesoshttp.Fatal](t, ch)
			ee, ok := errors.AsType[*mesoshttp.EventError](f.Err)
			if !errors.Is(f.Err, tt.want) || !ok || ee.Refused || ee.Message != tt.message {
				t.Fatalf("Fatal with %v, want %v", f.Err, tt.want)
			}
			closed(t, ch)
		})
	}
}

// TestOfferBound: a stream that keeps offering without bound is cut
// rather than let the offer set grow.
func TestOfferBound(t *testing.T) {
	t.Cleanup(mesoshttp.SetMaxOutstandingOffers(3)) // after run's cleanup has stopped the reader
	m := newFakeMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	m.push(offersEvent("o1", "o2"))
	nextEvent(t, ch, mesospb.Event_OFFERS)
	m.push(rescindEvent("o1"))
	nextEvent(t, ch, mesospb.Event_RESCIND)
	if err := s.Send(mesoshttp.Decline([]*mesospb.OfferID{{Value: proto.String("o2")}}, nil)); err != nil {
		t.Fatal(err)
	}
	m.push(offersEvent("o3", "o4", "o5")) // three outstanding: at the bound
	nextEvent(t, ch, mesospb.Event_OFFERS)
	m.push(offersEvent("o6"))
	d := next[mesoshttp.Disconnected](t, ch)
	if pe, ok := errors.AsType[*mesoshttp.ProtocolError](d.Err); !ok || !strings.Contains(pe.Reason, "more than 3 outstanding offers") {
		t.Fatalf("Disconnected with %v, want the offer bound", d.Err)
	}
}

func TestFrameworkIDChangedIsFatal(t *testing.T) {
	m := newFakeMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
	fi := frameworkInfo()
	fi.Id = &mesospb.FrameworkID{Value: proto.String("fw-mine")}
	m.onSubscribe = func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool {
		call.FrameworkId = nil // the master "forgets" it and assigns another
		return false
	}
	m.onSubscribe = func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool {
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Header().Set("Mesos-Stream-Id", "s")
		w.WriteHeader(200)
		w.Write(recordio.AppendFrame(nil, encodeEvent(t, mesoshttp.Protobuf, &mesospb.Event{Type: mesospb.Event_SUBSCRIBED.Enum(), Subscribed: &mesospb.Event_Subscribed{FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw-new")}}})))
		return true
	}
	ch := run(t, c, subscribeWith(fi))
	f := next[mesoshttp.Fatal](t, ch)
	if !errors.Is(f.Err, mesoshttp.ErrFrameworkIDChanged) || !hasAll(f.Err.Error(), "fw-mine", "fw-new") {
		t.Fatalf("Fatal with %v", f.Err)
	}
	if sc := receive(t, m.subscribes); sc.GetFrameworkId().GetValue() != "fw-mine" || sc.GetSubscribe().GetFrameworkInfo().GetId().GetValue() != "fw-mine" {
		t.Fatalf("SUBSCRIBE without the stored ID in both places: %v", sc)
	}
}

func TestBadSubscribeInfoIsFatal(t *testing.T) {
	m := newFakeMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
	tests := []struct {
		name string
		fn   func() *mesospb.Call_Subscribe
	}{
		{"nil func", nil},
		{"nil subscribe", func() *mesospb.Call_Subscribe { return nil }},
		{"no framework info", func() *mesospb.Call_Subscribe { return &mesospb.Call_Subscribe{} }},
		{"no user", subscribeWith(&mesospb.FrameworkInfo{Name: proto.String("n")})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := run(t, c, tt.fn)
			f := next[mesoshttp.Fatal](t, ch)
			if !errors.Is(f.Err, mesoshttp.ErrInvalidCall) {
				t.Fatalf("Fatal with %v, want ErrInvalidCall", f.Err)
			}
			closed(t, ch)
		})
	}
}

func TestCancelStopsRun(t *testing.T) {
	m := newFakeMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
	ctx, cancel := context.WithCancel(t.Context())
	ch := c.Run(ctx, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	cancel()
	closed(t, ch)
	if !errors.Is(s.Err(), context.Canceled) {
		t.Fatalf("Err %v, want context.Canceled", s.Err())
	}
	if err := s.Call(t.Context(), mesoshttp.Revive()); !errors.Is(err, mesoshttp.ErrSubscriptionLost) {
		t.Fatalf("Call after Run ended: %v", err)
	}
}

// TestCancelWhileOwnerAway: Run must end even if nobody reads.
func TestCancelWhileOwnerAway(t *testing.T) {
	m := newFakeMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
	ctx, cancel := context.WithCancel(t.Context())
	ch := c.Run(ctx, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	m.push(updateEvent("t", mesospb.TaskState_TASK_RUNNING, nil))
	time.Sleep(20 * time.Millisecond) // the reader now waits for the owner
	cancel()
	<-s.Done()
	for range ch {
	}
}

// TestConnections: the stream has a connection of its own; every call,
// answered 202 or refused with a body, reuses one keep-alive connection.
func TestConnections(t *testing.T) {
	m := newFakeMaster(t)
	m.onCall = func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool {
		if call.GetType() == mesospb.Call_KILL {
			http.Error(w, strings.Repeat("Failed to validate scheduler::Call: ", 200), http.StatusBadRequest)
			return true
		}
		return false
	}
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(m)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := newClient(t, mesoshttp.Config{Masters: []string{srv.URL}})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	for i := range 30 {
		call := mesoshttp.Revive()
		if i%3 == 0 {
			call = mesoshttp.Kill(mesoshttp.TaskID("t"), nil)
		}
		err := s.Call(t.Context(), call)
		if ae, ok := errors.AsType[*mesoshttp.APIError](err); err != nil && (!ok || ae.Status != 400 || len(ae.Body) != 4096) {
			t.Fatalf("call %d: %v, want success or a 400 with 4 KiB of its body", i, err)
		}
	}
	if got := conns.Load(); got != 2 {
		t.Fatalf("%d connections, want 2: the stream's and one for all calls", got)
	}
}

// TestJSONNonFinite: the master's JSON writer prints non-finite doubles as
// bare tokens (stout jsonify with kWriteNanAndInfFlag); such an event still
// arrives.
func TestJSONNonFinite(t *testing.T) {
	m := newFakeMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}, Encoding: mesoshttp.JSON})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	next[mesoshttp.Subscribed](t, ch)
	m.pushRaw(recordio.AppendFrame(nil, []byte(`{"type":"UPDATE","update":{"status":{"task_id":{"value":"Infinity"},"state":"TASK_RUNNING","timestamp":Infinity}}}`)))
	st := nextEvent(t, ch, mesospb.Event_UPDATE).Event.GetUpdate().GetStatus()
	if st.GetTaskId().GetValue() != "Infinity" || !math.IsInf(st.GetTimestamp(), 1) {
		t.Fatalf("update %v", st)
	}
}
