package mesoshttp_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func fuzzEncoding(json bool) mesoshttp.Encoding {
	if json {
		return mesoshttp.JSON
	}
	return mesoshttp.Protobuf
}

// checkEvent asserts what UnmarshalEvent promises of an event it returns.
func checkEvent(t *testing.T, ev *mesospb.Event) {
	t.Helper()
	if ev.Type == nil {
		t.Fatal("event without a type")
	}
	if _, ok := mesospb.Event_Type_name[int32(ev.GetType())]; !ok || ev.GetType() == mesospb.Event_UNKNOWN {
		t.Fatalf("event of type %d", ev.GetType())
	}
	payload := map[mesospb.Event_Type]bool{
		mesospb.Event_SUBSCRIBED: ev.Subscribed != nil, mesospb.Event_OFFERS: ev.Offers != nil,
		mesospb.Event_INVERSE_OFFERS: ev.InverseOffers != nil, mesospb.Event_RESCIND: ev.Rescind != nil,
		mesospb.Event_RESCIND_INVERSE_OFFER: ev.RescindInverseOffer != nil, mesospb.Event_UPDATE: ev.Update != nil,
		mesospb.Event_UPDATE_OPERATION_STATUS: ev.UpdateOperationStatus != nil, mesospb.Event_MESSAGE: ev.Message != nil,
		mesospb.Event_FAILURE: ev.Failure != nil, mesospb.Event_ERROR: ev.Error != nil, mesospb.Event_HEARTBEAT: true,
	}
	if !payload[ev.GetType()] {
		t.Fatalf("%v event without its payload", ev.GetType())
	}
	if st := ev.GetUpdate().GetStatus(); st != nil {
		if _, ok := mesospb.TaskState_name[int32(st.GetState())]; !ok {
			t.Fatalf("update with state %d", st.GetState())
		}
	}
	// What decoded is complete: it encodes (required fields present) and
	// decodes back to itself.
	b, err := proto.Marshal(ev)
	if err != nil {
		t.Fatalf("re-encoding a decoded event: %v", err)
	}
	back, err := mesoshttp.UnmarshalEvent(mesoshttp.Protobuf, b)
	if err != nil {
		t.Fatalf("decoding a re-encoded event: %v", err)
	}
	if !proto.Equal(back, ev) {
		t.Fatalf("round trip changed the event:\n%v\n%v", ev, back)
	}
}

// FuzzUnmarshalEvent: arbitrary bytes in either encoding give a valid
// event or a *ProtocolError, never a panic.
func FuzzUnmarshalEvent(f *testing.F) {
	pb := func(ev *mesospb.Event) []byte { return encodeEvent(f, mesoshttp.Protobuf, ev) }
	js := func(ev *mesospb.Event) []byte { return encodeEvent(f, mesoshttp.JSON, ev) }
	for _, ev := range []*mesospb.Event{heartbeatEvent(), offersEvent("o1", "o2"), rescindEvent("o1"), errorEvent("Framework failed over"),
		updateEvent("t", mesospb.TaskState_TASK_RUNNING, bytes.Repeat([]byte{1}, 16))} {
		f.Add(pb(ev), false)
		f.Add(js(ev), true)
	}
	for _, s := range []string{
		`{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f"},"heartbeat_interval_seconds":Infinity}}`,
		`{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"NaN\"Infinity"},"heartbeat_interval_seconds":-Infinity}}`,
		`{"type":42}`, `{"type":"UPDATE"}`, `<html><body>502 Bad Gateway</body></html>`, `{"type":"HEARTBEAT"}{}`,
	} {
		f.Add([]byte(s), true)
	}
	f.Add([]byte{0x08, 42}, false)
	f.Add([]byte{0x08, 0x07}, false)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, false)
	f.Fuzz(func(t *testing.T, data []byte, json bool) {
		ev, err := mesoshttp.UnmarshalEvent(fuzzEncoding(json), data)
		if err != nil {
			if _, ok := errors.AsType[*mesoshttp.ProtocolError](err); !ok {
				t.Fatalf("error %v is not a *ProtocolError", err)
			}
			if ev != nil {
				t.Fatal("an event with an error")
			}
			return
		}
		checkEvent(t, ev)
	})
}

// FuzzEventReader: an arbitrary stream ends in io.EOF or a *ProtocolError,
// never returns more events than it has records, whatever the chunking.
func FuzzEventReader(f *testing.F) {
	for _, enc := range encodings {
		var stream []byte
		for _, ev := range []*mesospb.Event{heartbeatEvent(), offersEvent("o1"), updateEvent("t", mesospb.TaskState_TASK_FAILED, nil)} {
			stream = recordio.AppendFrame(stream, encodeEvent(f, enc, ev))
		}
		f.Add(stream, enc == mesoshttp.JSON, false)
		f.Add(stream[:len(stream)-1], enc == mesoshttp.JSON, true)
	}
	f.Add([]byte("0\n0\n2\n\x08\x08"), false, false)
	f.Add([]byte("99999\n"), false, false)
	f.Add([]byte("<html>\n"), true, true)
	f.Fuzz(func(t *testing.T, stream []byte, json, oneByte bool) {
		var r io.Reader = bytes.NewReader(stream)
		if oneByte {
			r = iotest.OneByteReader(r)
		}
		er := mesoshttp.NewEventReader(r, fuzzEncoding(json), 4096)
		n := 0
		for {
			ev, err := er.Next()
			if err != nil {
				if err == io.EOF {
					break
				}
				if _, ok := errors.AsType[*mesoshttp.ProtocolError](err); !ok {
					t.Fatalf("stream ended with %v (%T), want io.EOF or a *ProtocolError", err, err)
				}
				break
			}
			checkEvent(t, ev)
			// Each event took at least "N\n" and one byte.
			if n++; 3*n > len(stream) {
				t.Fatalf("%d events from %d bytes", n, len(stream))
			}
		}
	})
}

// FuzzSubscriptionStream serves arbitrary bytes as the body of a SUBSCRIBE
// answer and runs the whole client on it: whatever the bytes, Run reports
// a subscription or not, events of known types only, and then a
// Disconnected or Fatal, without a panic or a hang.
func FuzzSubscriptionStream(f *testing.F) {
	for _, enc := range encodings {
		json := enc == mesoshttp.JSON
		frame := func(ev *mesospb.Event) []byte { return recordio.AppendFrame(nil, encodeEvent(f, enc, ev)) }
		subscribed := frame(&mesospb.Event{Type: mesospb.Event_SUBSCRIBED.Enum(), Subscribed: &mesospb.Event_Subscribed{
			FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw")}, HeartbeatIntervalSeconds: proto.Float64(15)}})
		var full []byte
		for _, ev := range []*mesospb.Event{heartbeatEvent(), offersEvent("o1", "o2"), rescindEvent("o1"), rescindEvent("o9"),
			updateEvent("t", mesospb.TaskState_TASK_RUNNING, bytes.Repeat([]byte{2}, 16))} {
			full = append(full, frame(ev)...)
		}
		f.Add(append(append([]byte{}, subscribed...), full...), json)
		f.Add(append(append([]byte{}, subscribed...), frame(errorEvent("Framework failed over"))...), json)
		f.Add(append(append([]byte{}, subscribed...), subscribed...), json)
		f.Add(frame(errorEvent("Framework has been removed")), json)
		f.Add(full, json)
		f.Add(append(append([]byte{}, subscribed...), "17\nnot an event at all"...), json)
	}
	f.Fuzz(func(t *testing.T, body []byte, json bool) {
		enc := fuzzEncoding(json)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", enc.ContentType())
			w.Header().Set("Mesos-Stream-Id", "fuzz")
			w.WriteHeader(http.StatusOK)
			w.Write(body)
		})
		cfg := mesoshttp.Config{Masters: []string{"http://master.test:5050"}, Encoding: enc, MaxFrameSize: 4096,
			CallTimeout: 5 * time.Second, Reconnect: exactPolicy(time.Hour, time.Hour)}
		mesoshttp.SetDial(&cfg, servePipe(t, h))
		c, err := mesoshttp.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch := c.Run(ctx, subscribeWith(frameworkInfo()))
		var sub *mesoshttp.Subscription
		timeout := time.NewTimer(10 * time.Second)
		defer timeout.Stop()
		for {
			var n mesoshttp.Notification
			select {
			case n = <-ch:
			case <-timeout.C:
				t.Fatal("Run did not report within 10s")
			}
			switch n := n.(type) {
			case mesoshttp.Subscribed:
				if sub != nil {
					t.Fatal("two subscriptions from one stream")
				}
				sub = n.Sub
			case mesoshttp.Event:
				if sub == nil || n.Sub != sub {
					t.Fatal("an event without its subscription")
				}
				switch n.Event.GetType() {
				case mesospb.Event_SUBSCRIBED, mesospb.Event_HEARTBEAT, mesospb.Event_ERROR:
					t.Fatalf("a %v event was delivered", n.Event.GetType())
				}
				checkEvent(t, n.Event)
			case mesoshttp.Disconnected:
				if n.Err == nil || n.Sub != sub {
					t.Fatalf("Disconnected{%p, %v} after subscription %p", n.Sub, n.Err, sub)
				}
				cancel()
				for range ch {
				}
				return
			case mesoshttp.Fatal:
				if n.Err == nil {
					t.Fatal("Fatal without an error")
				}
				for range ch {
				}
				return
			default:
				t.Fatalf("notification %#v", n)
			}
		}
	})
}

// FuzzResolveLocation: any Location either resolves to a URL that keeps
// the current scheme, has a host and no credentials, or is an error.
func FuzzResolveLocation(f *testing.F) {
	for _, s := range []string{
		"//m2:5050/master/api/v1/scheduler", "//m2:5050/master/api/v1/scheduler?a=b", "http://m2:5050", "//m2:5050",
		"/master/api/v1/scheduler", "relative", "", "ftp://x/", "//u:p@h/", "//:5050", "//[::1]:5050/x", "//h:99999/",
		"http://%41:8080/", "//h/%zz", "\x00", "//h:5050/a/../../b",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, location string, https bool) {
		cur, _ := url.Parse("http://m1:5050/api/v1/scheduler")
		if https {
			cur, _ = url.Parse("https://m1:5050/prefix/api/v1/scheduler")
		}
		u, err := mesoshttp.ResolveLocation(cur, location)
		if err != nil {
			if u != nil {
				t.Fatal("a URL with an error")
			}
			return
		}
		if u.Scheme != cur.Scheme {
			t.Fatalf("%q: scheme %q, want %q", location, u.Scheme, cur.Scheme)
		}
		if u.Host == "" || u.Hostname() == "" || u.User != nil || u.Opaque != "" || u.Fragment != "" {
			t.Fatalf("%q resolved to %#v", location, u)
		}
		back, err := url.Parse(u.String())
		if err != nil || back.Host != u.Host || back.Scheme != u.Scheme {
			t.Fatalf("%q resolved to %q, which does not parse back (%v)", location, u, err)
		}
		if _, err := http.NewRequest(http.MethodPost, u.String(), nil); err != nil {
			t.Fatalf("%q resolved to %q, which is no request URL: %v", location, u, err)
		}
	})
}

// FuzzParseMaster: any configured master either becomes an http(s)
// endpoint URL ending in /api/v1/scheduler or is refused.
func FuzzParseMaster(f *testing.F) {
	for _, s := range []string{"m1:5050", "m1", "http://m1:5050", "https://m1/", "mesos://m1:5050", "zk://z/mesos", "[::1]",
		"proxy:8080/mesos/", "http://u:p@m1", "m1:0", "http://m1:5050?x", "", " ", "h:", "::1"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, useTLS bool) {
		u, err := mesoshttp.ParseMaster(s, useTLS)
		if err != nil {
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("%q: scheme %q", s, u.Scheme)
		}
		if u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || !strings.HasSuffix(u.Path, "/api/v1/scheduler") {
			t.Fatalf("%q parsed to %#v", s, u)
		}
		if _, err := http.NewRequest(http.MethodPost, u.String(), nil); err != nil {
			t.Fatalf("%q parsed to %q, which is no request URL: %v", s, u, err)
		}
	})
}
