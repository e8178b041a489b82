package mesoshttp_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Benchmarks of the event path; figures are in docs/benchmarks.md.

// benchUpdate is an UPDATE as an agent sends it.
func benchUpdate() *mesospb.Event {
	return &mesospb.Event{Type: mesospb.Event_UPDATE.Enum(), Update: &mesospb.Event_Update{Status: &mesospb.TaskStatus{
		TaskId:     mesoshttp.TaskID("taskmanager-00042-3"),
		State:      mesospb.TaskState_TASK_RUNNING.Enum(),
		Message:    proto.String("Command is running"),
		Source:     mesospb.TaskStatus_SOURCE_EXECUTOR.Enum(),
		AgentId:    &mesospb.AgentID{Value: proto.String("4f5e2b1a-9c3d-4e8f-a1b2-c3d4e5f60718-S17")},
		ExecutorId: &mesospb.ExecutorID{Value: proto.String("taskmanager-00042-3")},
		Timestamp:  proto.Float64(1.7e9),
		Uuid:       bytes.Repeat([]byte{0xab}, 16),
	}}}
}

// benchOffers is one allocation cycle of a 1,000-agent cluster.
func benchOffers(n int) *mesospb.Event {
	scalar := func(name string, v float64) *mesospb.Resource {
		return &mesospb.Resource{Name: proto.String(name), Type: mesospb.Value_SCALAR.Enum(), Role: proto.String("*"),
			Scalar: &mesospb.Value_Scalar{Value: proto.Float64(v)}}
	}
	offers := make([]*mesospb.Offer, n)
	for i := range offers {
		agent := fmt.Sprintf("4f5e2b1a-9c3d-4e8f-a1b2-c3d4e5f60718-S%d", i)
		offers[i] = &mesospb.Offer{
			Id:          &mesospb.OfferID{Value: proto.String(fmt.Sprintf("4f5e2b1a-9c3d-4e8f-a1b2-c3d4e5f60718-O%d", i))},
			FrameworkId: &mesospb.FrameworkID{Value: proto.String("4f5e2b1a-9c3d-4e8f-a1b2-c3d4e5f60718-0000")},
			AgentId:     &mesospb.AgentID{Value: proto.String(agent)},
			Hostname:    proto.String(fmt.Sprintf("agent-%04d.dc1.example.com", i)),
			Url: &mesospb.URL{Scheme: proto.String("http"), Path: proto.String("/slave(1)"),
				Address: &mesospb.Address{Hostname: proto.String(fmt.Sprintf("agent-%04d.dc1.example.com", i)), Ip: proto.String("10.1.2.3"), Port: proto.Int32(5051)}},
			Resources: []*mesospb.Resource{
				scalar("cpus", 16), scalar("mem", 63488), scalar("disk", 409600),
				{Name: proto.String("ports"), Type: mesospb.Value_RANGES.Enum(), Role: proto.String("*"),
					Ranges: &mesospb.Value_Ranges{Range: []*mesospb.Value_Range{{Begin: proto.Uint64(31000), End: proto.Uint64(32000)}}}},
			},
			Attributes: []*mesospb.Attribute{
				{Name: proto.String("rack"), Type: mesospb.Value_TEXT.Enum(), Text: &mesospb.Value_Text{Value: proto.String(fmt.Sprintf("r%02d", i%40))}},
				{Name: proto.String("zone"), Type: mesospb.Value_TEXT.Enum(), Text: &mesospb.Value_Text{Value: proto.String("a")}},
			},
		}
	}
	return &mesospb.Event{Type: mesospb.Event_OFFERS.Enum(), Offers: &mesospb.Event_Offers{Offers: offers}}
}

type benchCase struct {
	name  string
	enc   mesoshttp.Encoding
	event []byte // one encoded event
}

func benchCases(b *testing.B) []benchCase {
	var cases []benchCase
	for _, enc := range encodings {
		for _, ev := range []struct {
			name string
			ev   *mesospb.Event
		}{{"update", benchUpdate()}, {"offers1000", benchOffers(1000)}} {
			cases = append(cases, benchCase{enc.String() + "/" + ev.name, enc, encodeEvent(b, enc, ev.ev)})
		}
	}
	return cases
}

// frames repeats the record of one event to at least 4 MiB.
func frames(event []byte) (stream []byte, n int) {
	for len(stream) < 4<<20 || n < 4 {
		stream = recordio.AppendFrame(stream, event)
		n++
	}
	return stream, n
}

func reportEvents(b *testing.B, size int) {
	b.SetBytes(int64(size))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEvents runs, for each encoding and event, three sub-benchmarks
// back to back on the same bytes, so that they share the machine's state
// and their ratios can be read off one run:
//
//   - baseline: the bare decoder call (proto.Unmarshal, or protojson with
//     the client's options) on one event's bytes;
//   - reader: EventReader.Next on a RecordIO stream in memory (framing,
//     decoding, the event checks);
//   - subscription: the whole client, from the master's writes to the
//     owner's receive through Run, over an in-memory connection (HTTP
//     chunking, the watchdog, offer bookkeeping, the channel).
func BenchmarkEvents(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name+"/baseline", func(b *testing.B) { benchBaseline(b, c) })
		b.Run(c.name+"/reader", func(b *testing.B) { benchReader(b, c) })
		b.Run(c.name+"/subscription", func(b *testing.B) { benchSubscription(b, c) })
	}
}

func benchBaseline(b *testing.B, c benchCase) {
	b.ReportAllocs()
	opts := protojson.UnmarshalOptions{DiscardUnknown: true}
	for b.Loop() {
		ev := new(mesospb.Event)
		var err error
		if c.enc == mesoshttp.JSON {
			err = opts.Unmarshal(c.event, ev)
		} else {
			err = proto.Unmarshal(c.event, ev)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	reportEvents(b, len(c.event))
}

func benchReader(b *testing.B, c benchCase) {
	stream, n := frames(c.event)
	src := bytes.NewReader(stream)
	r := mesoshttp.NewEventReader(src, c.enc, 0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == n {
			src.Reset(stream)
			r = mesoshttp.NewEventReader(src, c.enc, 0)
			i = 0
		}
		if _, err := r.Next(); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportEvents(b, len(c.event))
}

func benchSubscription(b *testing.B, c benchCase) {
	batch, _ := frames(c.event)
	sub := recordio.AppendFrame(nil, encodeEvent(b, c.enc, &mesospb.Event{Type: mesospb.Event_SUBSCRIBED.Enum(),
		Subscribed: &mesospb.Event_Subscribed{FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw")}}}))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", c.enc.ContentType())
		w.Header().Set("Mesos-Stream-Id", "bench")
		w.WriteHeader(http.StatusOK)
		w.Write(sub)
		for r.Context().Err() == nil {
			if _, err := w.Write(batch); err != nil {
				return
			}
		}
	})
	cfg := mesoshttp.Config{Masters: []string{"http://master.test:5050"}, Encoding: c.enc}
	mesoshttp.SetDial(&cfg, servePipe(b, h))
	cl, err := mesoshttp.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ch := cl.Run(ctx, subscribeWith(frameworkInfo()))
	defer func() {
		cancel()
		for range ch {
		}
	}()
	if _, ok := (<-ch).(mesoshttp.Subscribed); !ok {
		b.Fatal("not subscribed")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := (<-ch).(mesoshttp.Event); !ok {
			b.Fatal("not an event")
		}
	}
	reportEvents(b, len(c.event))
}
