package recordio_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
)

// decorators re-chunk the input: a correct reader gives the same frames
// whatever the chunk boundaries, as the Mesos docs require of clients.
var decorators = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"one byte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
	{"data+err", iotest.DataErrReader},
}

func TestReader(t *testing.T) {
	big := strings.Repeat("x", 70000)
	tests := []struct {
		name    string
		in      string
		max     int
		want    []string
		wantErr error // after the frames; io.EOF for a clean end
	}{
		{"empty stream", "", 0, nil, io.EOF},
		{"one frame", "5\nhello", 0, []string{"hello"}, io.EOF},
		{"several frames", "1\na2\nbc3\ndef", 0, []string{"a", "bc", "def"}, io.EOF},
		{"heartbeat json", "20\n{\"type\":\"HEARTBEAT\"}", 0, []string{`{"type":"HEARTBEAT"}`}, io.EOF},
		{"zero-length frame", "0\n3\nabc", 0, []string{"", "abc"}, io.EOF},
		{"leading zeros", "003\nabc", 0, []string{"abc"}, io.EOF},
		{"payload holds newlines and digits", "4\n1\n2\n", 0, []string{"1\n2\n"}, io.EOF},
		{"large frame", "70000\n" + big, 0, []string{big}, io.EOF},
		{"frame at the limit", "4\nabcd", 4, []string{"abcd"}, io.EOF},
		{"frame over the limit", "5\nabcde", 4, nil, recordio.ErrFrameTooLarge},
		{"huge size never allocated", "99999999999999999\nx", 0, nil, recordio.ErrFrameTooLarge},
		{"non-numeric size", "1x\na", 0, nil, recordio.ErrBadSize},
		{"sign", "+1\na", 0, nil, recordio.ErrBadSize},
		{"space", " 1\na", 0, nil, recordio.ErrBadSize},
		{"carriage return", "1\r\na", 0, nil, recordio.ErrBadSize},
		{"empty size line", "\nabc", 0, nil, recordio.ErrBadSize},
		{"html instead of recordio", "<html><body>502 Bad Gateway</body></html>", 0, nil, recordio.ErrBadSize},
		{"21 digits", "000000000000000000001\na", 0, nil, recordio.ErrSizeTooLong},
		{"uint64 overflow", "18446744073709551616\na", 0, nil, recordio.ErrSizeTooLong},
		{"no newline ever", strings.Repeat("1", 30), 0, nil, recordio.ErrSizeTooLong},
		{"torn in size", "1\na12", 0, []string{"a"}, io.ErrUnexpectedEOF},
		{"torn in payload", "2\nab5\nabc", 0, []string{"ab"}, io.ErrUnexpectedEOF},
		{"torn right after size", "3\n", 0, nil, io.ErrUnexpectedEOF},
		{"good then garbage", "1\na\x00", 0, []string{"a"}, recordio.ErrBadSize},
	}
	for _, tt := range tests {
		for _, d := range decorators {
			t.Run(tt.name+"/"+d.name, func(t *testing.T) {
				r := recordio.NewReader(d.wrap(strings.NewReader(tt.in)), tt.max)
				var got []string
				var err error
				for {
					var f []byte
					f, err = r.ReadFrame()
					if err != nil {
						break
					}
					got = append(got, string(f))
				}
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("got %d frames, want %d", len(got), len(tt.want))
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Fatalf("frame %d: got %.40q, want %.40q", i, got[i], tt.want[i])
					}
				}
			})
		}
	}
}

func TestErrorMessagesSayWhat(t *testing.T) {
	_, err := recordio.NewReader(strings.NewReader("12a\n"), 0).ReadFrame()
	if err == nil || !strings.Contains(err.Error(), `'a'`) || !strings.Contains(err.Error(), "record 1") {
		t.Fatalf("error %q should name the bad byte and the record", err)
	}
	r := recordio.NewReader(strings.NewReader("1\na9\nabc"), 0)
	r.ReadFrame()
	_, err = r.ReadFrame()
	if err == nil || !strings.Contains(err.Error(), "record 2 after 3 of 9 bytes") {
		t.Fatalf("error %q should say where the stream tore", err)
	}
}

func TestReaderPassesThroughReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	r := recordio.NewReader(io.MultiReader(strings.NewReader("3\nab"), iotest.ErrReader(boom)), 0)
	if _, err := r.ReadFrame(); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the transport error", err)
	}
}

func TestWriterRoundTrip(t *testing.T) {
	frames := [][]byte{[]byte("a"), {}, bytes.Repeat([]byte{0, '\n', '9'}, 5000), []byte(`{"type":"HEARTBEAT"}`)}
	var buf bytes.Buffer
	w := recordio.NewWriter(&buf)
	for _, f := range frames {
		if err := w.WriteFrame(f); err != nil {
			t.Fatal(err)
		}
	}
	r := recordio.NewReader(&buf, 0)
	for i, want := range frames {
		got, err := r.ReadFrame()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: got %d bytes, %v; want %d bytes", i, len(got), err, len(want))
		}
	}
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("got %v at the end, want io.EOF", err)
	}
}

// The golden record from the protocol brief: a protobuf HEARTBEAT event.
func TestWriterGolden(t *testing.T) {
	if got := recordio.AppendFrame(nil, []byte{0x08, 0x08}); !bytes.Equal(got, []byte("2\n\x08\x08")) {
		t.Fatalf("got % x, want 32 0a 08 08", got)
	}
}

// One Write per record, so an HTTP chunked writer emits one chunk per event.
func TestWriterWritesOncePerFrame(t *testing.T) {
	var cw countingWriter
	w := recordio.NewWriter(&cw)
	w.WriteFrame([]byte("abc"))
	w.WriteFrame(make([]byte, 100000))
	if cw.writes != 2 {
		t.Fatalf("%d writes for 2 frames", cw.writes)
	}
}

type countingWriter struct{ writes int }

func (c *countingWriter) Write(p []byte) (int, error) { c.writes++; return len(p), nil }

func TestSteadyStateDoesNotAllocate(t *testing.T) {
	frame := bytes.Repeat([]byte("z"), 1024)
	stream := bytes.Repeat(recordio.AppendFrame(nil, frame), 200)
	src := bytes.NewReader(stream)
	r := recordio.NewReader(src, 0)
	if _, err := r.ReadFrame(); err != nil { // first frame sizes the buffer
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := r.ReadFrame(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per frame, want 0", allocs)
	}
}

// A buffer grown for one huge frame is given back when frames shrink again.
func TestHugeFrameBufferIsReleased(t *testing.T) {
	var buf bytes.Buffer
	w := recordio.NewWriter(&buf)
	w.WriteFrame(make([]byte, 8<<20))
	w.WriteFrame([]byte("small"))
	r := recordio.NewReader(&buf, 0)
	if f, _ := r.ReadFrame(); cap(f) < 8<<20 {
		t.Fatal("first frame should need a large buffer")
	}
	if f, _ := r.ReadFrame(); cap(f) > 1<<20 {
		t.Fatalf("buffer of %d bytes kept for a 5-byte frame", cap(f))
	}
}

func ExampleReader() {
	stream := "5\nhello0\n20\n{\"type\":\"HEARTBEAT\"}"
	r := recordio.NewReader(strings.NewReader(stream), 1<<20)
	for {
		frame, err := r.ReadFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("%d bytes: %q\n", len(frame), frame)
	}
	// Output:
	// 5 bytes: "hello"
	// 0 bytes: ""
	// 20 bytes: "{\"type\":\"HEARTBEAT\"}"
}
