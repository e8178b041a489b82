package localmesos_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// FuzzSchedulerCall sends arbitrary calls to a live master. Raw mode posts
// the bytes as they are; call mode reads them as a protobuf Call, points it
// at the live framework (and "OFFER"/"AGENT" IDs at a live offer and
// agent), and sends it on the live stream, so that the fuzzer reaches deep
// into ACCEPT, KILL, ACKNOWLEDGE and the rest. Properties: the master never
// panics, answers only with codes of its table, never 500, and is still
// serving afterwards.
func FuzzSchedulerCall(f *testing.F) {
	seeds := []*mesospb.Call{
		{Type: mesospb.Call_REVIVE.Enum(), Revive: &mesospb.Call_Revive{Roles: []string{"*"}}},
		{Type: mesospb.Call_SUPPRESS.Enum(), Suppress: &mesospb.Call_Suppress{Roles: []string{"x//y"}}},
		acceptCall(&mesospb.Offer{Id: &mesospb.OfferID{Value: proto.String("OFFER")}}, task("t", "AGENT", "cpus:0.5;mem:64;ports:[31000-31002]", nil)),
		acceptCall(&mesospb.Offer{Id: &mesospb.OfferID{Value: proto.String("OFFER")}}, task("t", "AGENT", "cpus:100", nil)),
		{Type: mesospb.Call_DECLINE.Enum(), Decline: &mesospb.Call_Decline{OfferIds: []*mesospb.OfferID{{Value: proto.String("OFFER")}}, Filters: &mesospb.Filters{RefuseSeconds: proto.Float64(0)}}},
		killCall("t"),
		reconcileCall(),
		reconcileCall(rtask("t", "AGENT"), rtask("u", "")),
		{Type: mesospb.Call_ACKNOWLEDGE.Enum(), Acknowledge: &mesospb.Call_Acknowledge{AgentId: &mesospb.AgentID{Value: proto.String("AGENT")},
			TaskId: &mesospb.TaskID{Value: proto.String("t")}, Uuid: []byte{1, 2, 3, 4, 5, 6, 0x40, 8, 9, 10, 11, 12, 13, 14, 15, 16}}},
		{Type: mesospb.Call_SHUTDOWN.Enum(), Shutdown: &mesospb.Call_Shutdown{ExecutorId: &mesospb.ExecutorID{Value: proto.String("t")}, AgentId: &mesospb.AgentID{Value: proto.String("AGENT")}}},
		{Type: mesospb.Call_RECONCILE_OPERATIONS.Enum(), ReconcileOperations: &mesospb.Call_ReconcileOperations{Operations: []*mesospb.Call_ReconcileOperations_Operation{
			{OperationId: &mesospb.OperationID{Value: proto.String("op")}, AgentId: &mesospb.AgentID{Value: proto.String("AGENT")}}}}},
		{Type: mesospb.Call_MESSAGE.Enum(), Message: &mesospb.Call_Message{AgentId: &mesospb.AgentID{Value: proto.String("AGENT")},
			ExecutorId: &mesospb.ExecutorID{Value: proto.String("t")}, Data: []byte("hi")}},
		{Type: mesospb.Call_TEARDOWN.Enum()},
		{Type: mesospb.Call_UNKNOWN.Enum()},
	}
	for _, c := range seeds {
		b, err := proto.MarshalOptions{AllowPartial: true}.Marshal(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(1), b)
	}
	f.Add(uint8(0), []byte(`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","roles":["a"]}}}`))
	f.Add(uint8(2), []byte("\x10\x01\x1a\x08\x0a\x06\x0a\x01u\x12\x01n"))

	m, err := localmesos.New(localmesos.Config{AllocationInterval: 5 * time.Millisecond, WorkDir: f.TempDir(),
		Agents: []localmesos.AgentConfig{{}, {Resources: "cpus:2;mem:512;gpus:1"}}})
	if err != nil {
		f.Fatal(err)
	}
	defer m.Close()
	var c *client
	var s *sub
	f.Fuzz(func(t *testing.T, mode uint8, body []byte) {
		if c == nil || s == nil {
			c = newClient(t, m.URL())
			info := frameworkInfo(mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE)
			info.FailoverTimeout = proto.Float64(3600)
			s = c.subscribe(info)
			s.subscribed()
			go func(events chan *mesospb.Event) {
				for range events {
				}
			}(s.events)
		}
		c.t, s.t = t, t
		var r result
		switch mode % 3 {
		case 0:
			r = c.raw(http.MethodPost, "/api/v1/scheduler", map[string]string{"Content-Type": ctJSON, "Mesos-Stream-Id": s.streamID}, body)
		case 1:
			call := &mesospb.Call{}
			if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(body, call); err != nil || call.GetType() == mesospb.Call_SUBSCRIBE {
				return
			}
			call.FrameworkId = s.fid()
			substitute(m, call.ProtoReflect())
			b, err := proto.MarshalOptions{AllowPartial: true}.Marshal(call)
			if err != nil {
				return
			}
			r = c.raw(http.MethodPost, "/api/v1/scheduler", map[string]string{"Content-Type": ctProto, "Mesos-Stream-Id": s.streamID}, b)
		default:
			// Any body, possibly a SUBSCRIBE: a stream is checked for its
			// header and hung up.
			req, err := http.NewRequest(http.MethodPost, m.URL()+"/api/v1/scheduler", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", ctProto)
			req.Header.Set("Accept", ctProto)
			resp, err := c.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.status = resp.StatusCode
			if r.status == http.StatusOK {
				if resp.Header.Get("Mesos-Stream-Id") == "" {
					t.Fatalf("200 without a stream ID")
				}
				r.body = "stream"
			} else {
				b, _ := io.ReadAll(resp.Body)
				r.body = string(b)
			}
			resp.Body.Close()
		}
		switch r.status {
		case 200, 202, 400, 403, 406, 415, 501:
		default:
			t.Fatalf("status %d %q", r.status, r.body)
		}
		if r.status >= 400 && r.body == "" {
			t.Fatalf("%d without a body", r.status)
		}
		// Still serving, and the framework still there (else subscribe a
		// new one next time).
		probe := c.call(s.streamID, &mesospb.Call{Type: mesospb.Call_RECONCILE.Enum(), FrameworkId: s.fid(), Reconcile: &mesospb.Call_Reconcile{}})
		if probe.status != http.StatusAccepted {
			s.cancel()
			s = nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := m.WaitFor(ctx, func(*localmesos.Snapshot) bool { return true }); err != nil {
			t.Fatalf("master not answering: %v", err)
		}
	})
}

// substitute replaces the IDs "OFFER" and "AGENT" anywhere in a call with a
// live offer and agent.
func substitute(m *localmesos.Master, msg protoreflect.Message) {
	var offer, agent string
	m.WaitFor(context.Background(), func(sn *localmesos.Snapshot) bool {
		if len(sn.Offers) > 0 {
			offer = sn.Offers[0].ID
		}
		if len(sn.Agents) > 0 {
			agent = sn.Agents[0].ID
		}
		return true
	})
	var walk func(protoreflect.Message)
	walk = func(msg protoreflect.Message) {
		switch msg.Descriptor().FullName() {
		case "mesos.v1.OfferID":
			if v := msg.Get(msg.Descriptor().Fields().ByName("value")).String(); v == "OFFER" && offer != "" {
				msg.Set(msg.Descriptor().Fields().ByName("value"), protoreflect.ValueOfString(offer))
			}
			return
		case "mesos.v1.AgentID":
			if v := msg.Get(msg.Descriptor().Fields().ByName("value")).String(); v == "AGENT" && agent != "" {
				msg.Set(msg.Descriptor().Fields().ByName("value"), protoreflect.ValueOfString(agent))
			}
			return
		}
		msg.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsMap():
			case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
				for i := 0; i < v.List().Len(); i++ {
					walk(v.List().Get(i).Message())
				}
			case fd.Kind() == protoreflect.MessageKind:
				walk(v.Message())
			}
			return true
		})
	}
	walk(msg)
}
