package localmesos_test

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// BenchmarkAllocationCycle measures one full offer cycle at several
// cluster sizes: DECLINE every outstanding offer (refuse_seconds 0), the
// next allocation offers every agent again, and the client has decoded the
// one OFFERS event. The agents=10 and agents=100 runs are the baseline: the
// cost per agent should stay flat as the cluster grows (no O(n²) step).
// The encode+decode run is the floor: marshalling and unmarshalling an
// OFFERS event of 1,000 offers, with no master at all.
func BenchmarkAllocationCycle(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) {
			agents := make([]localmesos.AgentConfig, n)
			m := newMaster(b, localmesos.Config{Agents: agents, AllocationInterval: time.Millisecond, HeartbeatInterval: time.Hour})
			c := newClient(b, m.URL())
			s := c.subscribe(frameworkInfo())
			s.subscribed()
			offers := collectOffers(s, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ids := make([]*mesospb.OfferID, len(offers))
				for j, o := range offers {
					ids[j] = o.GetId()
				}
				s.mustSend(&mesospb.Call{Type: mesospb.Call_DECLINE.Enum(), Decline: &mesospb.Call_Decline{
					OfferIds: ids, Filters: &mesospb.Filters{RefuseSeconds: proto.Float64(0)}}})
				offers = collectOffers(s, n)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/agent")
		})
	}
	b.Run("encode+decode/offers=1000", func(b *testing.B) {
		ev := &mesospb.Event{Type: mesospb.Event_OFFERS.Enum(), Offers: &mesospb.Event_Offers{}}
		for i := 0; i < 1000; i++ {
			ev.Offers.Offers = append(ev.Offers.Offers, &mesospb.Offer{
				Id:          &mesospb.OfferID{Value: proto.String(fmt.Sprintf("0f4bd4f8-4c1e-4c7f-9c3f-2b1d6c1f5e3a-O%d", i))},
				FrameworkId: &mesospb.FrameworkID{Value: proto.String("0f4bd4f8-4c1e-4c7f-9c3f-2b1d6c1f5e3a-0000")},
				AgentId:     &mesospb.AgentID{Value: proto.String(fmt.Sprintf("0f4bd4f8-4c1e-4c7f-9c3f-2b1d6c1f5e3a-S%d", i))},
				Hostname:    proto.String(fmt.Sprintf("agent-%d", i)),
				Url: &mesospb.URL{Scheme: proto.String("http"), Address: &mesospb.Address{Hostname: proto.String(fmt.Sprintf("agent-%d", i)),
					Ip: proto.String("127.0.0.1"), Port: proto.Int32(5051)}, Path: proto.String("/slave(1)")},
				Resources: parseRes("cpus:4;mem:8192;disk:10240;ports:[31000-31999]"),
			})
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			buf, err := proto.Marshal(ev)
			if err != nil {
				b.Fatal(err)
			}
			var out mesospb.Event
			if err := proto.Unmarshal(buf, &out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/agent")
	})
}

func collectOffers(s *sub, n int) []*mesospb.Offer {
	var offers []*mesospb.Offer
	for len(offers) < n {
		ev := s.next()
		if ev.GetType() == mesospb.Event_OFFERS {
			offers = append(offers, ev.GetOffers().GetOffers()...)
		}
	}
	return offers
}

// BenchmarkStatusUpdates measures status-update throughput on a master
// with 1,000 agents: each iteration launches one task and takes it through
// TASK_STARTING and TASK_RUNNING, each update read from the stream and
// acknowledged with an ACKNOWLEDGE call. The baseline is the same number of
// calls (two per iteration) of a call the master ignores (REQUEST), read
// back with nothing: the HTTP round trips alone.
func BenchmarkStatusUpdates(b *testing.B) {
	agents := make([]localmesos.AgentConfig, 1000)
	for i := range agents {
		agents[i] = localmesos.AgentConfig{Resources: "cpus:1000;mem:1000000"}
	}
	setup := func(b *testing.B) (*sub, []*mesospb.Offer) {
		m := newMaster(b, localmesos.Config{Agents: agents, AllocationInterval: 10 * time.Millisecond, HeartbeatInterval: time.Hour})
		c := newClient(b, m.URL())
		s := c.subscribe(frameworkInfo())
		s.subscribed()
		return s, collectOffers(s, len(agents))
	}
	b.Run("launch+2 updates+2 acks", func(b *testing.B) {
		s, fresh := setup(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			// Every launch uses an offer not used before; what a launch
			// leaves comes back as a new offer (refuse_seconds 0).
			for len(fresh) == 0 {
				if ev := s.next(); ev.GetType() == mesospb.Event_OFFERS {
					fresh = append(fresh, ev.GetOffers().GetOffers()...)
				}
			}
			o := fresh[0]
			fresh = fresh[1:]
			call := acceptCall(o, task(fmt.Sprintf("t%d", i), o.GetAgentId().GetValue(), "cpus:0.01;mem:1", nil))
			call.Accept.Filters = &mesospb.Filters{RefuseSeconds: proto.Float64(0)}
			s.mustSend(call)
			for got := 0; got < 2; {
				ev := s.next()
				switch ev.GetType() {
				case mesospb.Event_UPDATE:
					s.ack(ev.GetUpdate().GetStatus())
					got++
				case mesospb.Event_OFFERS:
					fresh = append(fresh, ev.GetOffers().GetOffers()...)
				}
			}
		}
		b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "updates/s")
	})
	b.Run("baseline: 2 ignored calls", func(b *testing.B) {
		s, _ := setup(b)
		req := &mesospb.Call{Type: mesospb.Call_REQUEST.Enum(), Request: &mesospb.Call_Request{}}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s.mustSend(req)
			s.mustSend(req)
		}
		b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "calls/s")
	})
}
