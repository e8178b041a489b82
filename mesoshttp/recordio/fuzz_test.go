package recordio_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
)

// FuzzReader feeds arbitrary bytes to the reader: it must never panic, never
// return a frame over its limit, never return more payload than it was given,
// and end with io.EOF, io.ErrUnexpectedEOF or a framing error.
func FuzzReader(f *testing.F) {
	for _, s := range []string{"", "5\nhello", "0\n", "2\n\x08\x08", "20\n{\"type\":\"HEARTBEAT\"}", "3\nab", "x\n", "99999999999999999999999\n", "1\na1\nb"} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, in []byte, oneByte bool) {
		const limit = 1 << 16
		var src io.Reader = bytes.NewReader(in)
		if oneByte {
			src = iotest.OneByteReader(src)
		}
		r := recordio.NewReader(src, limit)
		total := 0
		for {
			frame, err := r.ReadFrame()
			if err != nil {
				if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, recordio.ErrBadSize) &&
					!errors.Is(err, recordio.ErrSizeTooLong) && !errors.Is(err, recordio.ErrFrameTooLarge) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				break
			}
			if len(frame) > limit {
				t.Fatalf("frame of %d bytes over the %d limit", len(frame), limit)
			}
			if total += len(frame) + 2; total > len(in) {
				t.Fatalf("%d bytes of frames from %d bytes of input", total, len(in))
			}
		}
	})
}

// FuzzRoundTrip writes the fuzzer's frames and reads them back.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("abc"), []byte{}, []byte("\n\n"))
	f.Fuzz(func(t *testing.T, a, b, c []byte) {
		var buf bytes.Buffer
		w := recordio.NewWriter(&buf)
		for _, p := range [][]byte{a, b, c} {
			w.WriteFrame(p)
		}
		r := recordio.NewReader(iotest.HalfReader(&buf), 0)
		for i, want := range [][]byte{a, b, c} {
			got, err := r.ReadFrame()
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("frame %d: %q, %v; want %q", i, got, err, want)
			}
		}
		if _, err := r.ReadFrame(); err != io.EOF {
			t.Fatalf("got %v, want io.EOF", err)
		}
	})
}
