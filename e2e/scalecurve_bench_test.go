package e2e_test

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
	"github.com/flink-mesos/flink-mesos/mesospb"
	"github.com/flink-mesos/flink-mesos/offers"
)

// BenchmarkScaleCurve measures how the scheduler's costs grow with the
// cluster, at N = 10, 100, 1,000 and 10,000 simulated agents and
// TaskManagers (SCALE_SIZES=10,100 picks others). Per size:
//
//	up-s        the real binary, from process start to N TaskManagers and
//	            the JobManager RUNNING (as BenchmarkClusterScale)
//	recover-s   after SIGKILL, from a new process's start to every task
//	            reconciled
//	peak-MiB    the scheduler's peak RSS (VmHWM) over both
//	place-ms    offers.Place of N pending TaskManagers (1 cpu, 1 GiB, 2
//	            ports) on one batch of N offers shaped like the agents
//	offers-ev/s OFFERS events of N offers (one allocation cycle of the
//	            cluster) through the client's EventReader (RecordIO framing,
//	            protobuf decoding, the event checks), per second
//
// The smallest size is the baseline of the same run: each figure divided
// by its value there is the growth the plot shows, next to the lines of
// linear and quadratic growth. With SCALE_SVG=FILE the benchmark writes
// that plot as SVG. Run with
//
//	SCALE_SVG=$PWD/docs/img/scale.svg go test -run '^$' -bench ScaleCurve -benchtime 1x -timeout 60m ./e2e
func BenchmarkScaleCurve(b *testing.B) {
	sizes := []int{10, 100, 1000, 10000}
	if s := os.Getenv("SCALE_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				b.Fatalf("SCALE_SIZES=%q: want sizes like 10,100,1000", s)
			}
			sizes = append(sizes, n)
		}
	}
	var points []curvePoint
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var p curvePoint
			for b.Loop() {
				p = curvePoint{n: n}
				// The in-process measurements first: while scaleRun's
				// master lives (until the end of this sub-benchmark) its
				// allocation cycles over N agents share the CPU and the
				// heap, which made placement at 10,000 look twice as slow.
				p.placeMS = placementPerBatch(b, n)
				p.eventsPerSec = offerEventsPerSecond(b, n)
				up, recov, peak := scaleRun(b, n)
				p.up, p.recover, p.peakMiB = up.Seconds(), recov.Seconds(), float64(peak)/1024
			}
			b.ReportMetric(p.up, "up-s")
			b.ReportMetric(p.recover, "recover-s")
			b.ReportMetric(p.peakMiB, "peak-MiB")
			b.ReportMetric(p.placeMS, "place-ms")
			b.ReportMetric(p.eventsPerSec, "offers-ev/s")
			points = append(points, p)
		})
	}
	if path := os.Getenv("SCALE_SVG"); path != "" && len(points) > 1 {
		if err := os.WriteFile(path, []byte(scaleSVG(points)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

type curvePoint struct {
	n                     int
	up, recover, peakMiB  float64
	placeMS, eventsPerSec float64
}

// placementPerBatch times offers.Place of n TaskManagers on n offers of
// the benchmark's agents, repeated for at least a second (3 times at
// least), and returns milliseconds per call.
func placementPerBatch(b *testing.B, n int) float64 {
	b.Helper()
	in := offers.Input{Offers: make([]offers.Offer, n), Tasks: make([]offers.Task, n)}
	for i := range n {
		in.Offers[i] = offers.Offer{
			ID: fmt.Sprintf("master-O%d", i), AgentID: fmt.Sprintf("master-S%d", i), Hostname: fmt.Sprintf("agent-%d", i),
			Resources: []offers.Resource{{Name: "cpus", Scalar: 2}, {Name: "mem", Scalar: 4096}, {Name: "disk", Scalar: 10240},
				{Name: "ports", Kind: offers.KindRanges, Ranges: []offers.Range{{Begin: 31000, End: 31099}}}},
		}
		in.Tasks[i] = offers.Task{ID: fmt.Sprintf("flink-tm-%d-%d", i+1, i+1), Group: "taskmanager", CPUs: 1, MemMB: 1024, Ports: 2}
	}
	start := time.Now()
	calls := 0
	for calls < 3 || time.Since(start) < time.Second {
		plan, err := offers.Place(in)
		if err != nil {
			b.Fatal(err)
		}
		placed := 0
		for _, l := range plan.Launches {
			placed += len(l.Tasks)
		}
		if placed != n {
			b.Fatalf("placed %d of %d TaskManagers", placed, n)
		}
		calls++
	}
	return time.Since(start).Seconds() * 1000 / float64(calls)
}

// offerEventsPerSecond decodes OFFERS events of n offers from a RecordIO
// stream in memory, as the client reads them off a subscription, for at
// least a second, and returns events per second.
func offerEventsPerSecond(b *testing.B, n int) float64 {
	b.Helper()
	ev := &mesospb.Event{Type: mesospb.Event_OFFERS.Enum(), Offers: &mesospb.Event_Offers{}}
	scalar := func(name string, v float64) *mesospb.Resource {
		return &mesospb.Resource{Name: proto.String(name), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(v)}}
	}
	for i := range n {
		ev.Offers.Offers = append(ev.Offers.Offers, &mesospb.Offer{
			Id:          &mesospb.OfferID{Value: proto.String(fmt.Sprintf("8d1c6c34-5f0e-4b8e-9a51-1c2f3e4d5a6b-O%d", i))},
			FrameworkId: &mesospb.FrameworkID{Value: proto.String("8d1c6c34-5f0e-4b8e-9a51-1c2f3e4d5a6b-0000")},
			AgentId:     &mesospb.AgentID{Value: proto.String(fmt.Sprintf("8d1c6c34-5f0e-4b8e-9a51-1c2f3e4d5a6b-S%d", i))},
			Hostname:    proto.String(fmt.Sprintf("agent-%d", i)),
			Resources: []*mesospb.Resource{scalar("cpus", 2), scalar("mem", 4096), scalar("disk", 10240),
				{Name: proto.String("ports"), Type: mesospb.Value_RANGES.Enum(),
					Ranges: &mesospb.Value_Ranges{Range: []*mesospb.Value_Range{{Begin: proto.Uint64(31000), End: proto.Uint64(31099)}}}}},
		})
	}
	one, err := proto.Marshal(ev)
	if err != nil {
		b.Fatal(err)
	}
	var stream []byte
	perStream := 0
	for perStream < 4 || len(stream) < 4<<20 {
		stream = recordio.AppendFrame(stream, one)
		perStream++
	}
	start := time.Now()
	events := 0
	for events < 3 || time.Since(start) < time.Second {
		r := mesoshttp.NewEventReader(bytes.NewReader(stream), mesoshttp.Protobuf, len(one)+1)
		for {
			got, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if len(got.GetOffers().GetOffers()) != n {
				b.Fatalf("decoded %d offers, want %d", len(got.GetOffers().GetOffers()), n)
			}
			events++
		}
	}
	return float64(events) / time.Since(start).Seconds()
}

// scaleSVG draws each cost, relative to its value at the smallest size,
// against the size relative to the smallest, on log-log axes, with the
// lines of linear and quadratic growth for reference. Events per second
// become seconds per event, a cost like the others.
func scaleSVG(points []curvePoint) string {
	const (
		w, h                  = 700, 400
		left, right, top, bot = 70, 230, 30, 50
	)
	base := points[0]
	series := []struct {
		name, color string
		val         func(p curvePoint) float64
	}{
		{"time to all RUNNING", "#1f77b4", func(p curvePoint) float64 { return p.up }},
		{"recovery after restart", "#ff7f0e", func(p curvePoint) float64 { return p.recover }},
		{"placement per offer batch", "#2ca02c", func(p curvePoint) float64 { return p.placeMS }},
		{"time per offers event", "#d62728", func(p curvePoint) float64 { return 1 / p.eventsPerSec }},
		{"scheduler peak RSS", "#9467bd", func(p curvePoint) float64 { return p.peakMiB }},
	}
	xMax := math.Log10(float64(points[len(points)-1].n) / float64(base.n))
	yMax := 2 * xMax // quadratic growth over the range
	for _, s := range series {
		for _, p := range points {
			if v := s.val(p) / s.val(base); v > 0 {
				yMax = max(yMax, math.Ceil(math.Log10(v)))
			}
		}
	}
	yMin := -1.0
	x := func(v float64) float64 { return left + v/xMax*(w-left-right) }
	y := func(v float64) float64 { return top + (yMax-v)/(yMax-yMin)*(h-top-bot) }
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&sb, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&sb, `<text x="%d" y="18" font-size="14">Cost relative to %d agents/TaskManagers (log-log)</text>`+"\n", left, base.n)
	for d := 0.0; d <= xMax+1e-9; d++ {
		fmt.Fprintf(&sb, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x(d), top, x(d), h-bot)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x(d), h-bot+16, thousands(int(float64(base.n)*math.Pow(10, d))))
	}
	for d := yMin; d <= yMax+1e-9; d++ {
		fmt.Fprintf(&sb, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", left, y(d), w-right, y(d))
		fmt.Fprintf(&sb, `<text x="%d" y="%.1f" text-anchor="end">×%s</text>`+"\n", left-6, y(d)+4, strconv.FormatFloat(math.Pow(10, d), 'g', -1, 64))
	}
	fmt.Fprintf(&sb, `<text x="%.1f" y="%d" text-anchor="middle">agents and TaskManagers</text>`+"\n", x(xMax/2), h-12)
	// Reference lines: linear (slope 1) and quadratic (slope 2).
	for _, ref := range []struct {
		slope float64
		name  string
	}{{1, "linear"}, {2, "quadratic"}} {
		end := min(xMax, yMax/ref.slope)
		fmt.Fprintf(&sb, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="4 4"/>`+"\n", x(0), y(0), x(end), y(end*ref.slope))
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" fill="#777">%s</text>`+"\n", x(end)+4, y(end*ref.slope)+4, ref.name)
	}
	for i, s := range series {
		var pts []string
		for _, p := range points {
			v := s.val(p) / s.val(base)
			if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
				continue
			}
			px, py := x(math.Log10(float64(p.n)/float64(base.n))), y(max(math.Log10(v), yMin))
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px, py))
			fmt.Fprintf(&sb, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", px, py, s.color)
		}
		fmt.Fprintf(&sb, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), s.color)
		ly := top + 10 + 20*i
		fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>`+"\n", w-right+10, ly, w-right+30, ly, s.color)
		fmt.Fprintf(&sb, `<text x="%d" y="%d">%s</text>`+"\n", w-right+36, ly+4, s.name)
	}
	sb.WriteString("</svg>\n")
	return sb.String()
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
