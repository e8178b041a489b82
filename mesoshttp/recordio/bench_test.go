package recordio_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
)

var benchSizes = []int{64, 1 << 10, 64 << 10}

// benchStream is a stream of identical frames, at least 4 MiB long so that a
// pass over it is not dominated by setup.
func benchStream(size int) (stream []byte, frames int) {
	frame := bytes.Repeat([]byte{0xa5}, size)
	for len(stream) < 4<<20 {
		stream = recordio.AppendFrame(stream, frame)
		frames++
	}
	return stream, frames
}

// loop serves a stream of whole frames over and over, like a subscription
// that never ends, so that neither benchmark ever rebuilds its reader.
type loop struct {
	stream []byte
	off    int
}

func (l *loop) Read(p []byte) (int, error) {
	if l.off == len(l.stream) {
		l.off = 0
	}
	n := copy(p, l.stream[l.off:])
	l.off += n
	return n, nil
}

// BenchmarkReadFrame and BenchmarkCopy move the same bytes: the ratio of
// their ns/op is the reader's cost over a bare copy of each frame.
func BenchmarkReadFrame(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			stream, _ := benchStream(size)
			r := recordio.NewReader(&loop{stream: stream}, 0)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.ReadFrame(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCopy copies each frame's payload out of the same stream with
// io.ReadFull, knowing the sizes in advance: the floor any reader pays.
func BenchmarkCopy(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			stream, _ := benchStream(size)
			header := len(recordio.AppendFrame(nil, nil)) - 1 + len(fmt.Sprint(size))
			src := &loop{stream: stream}
			dst := make([]byte, size)
			hdr := make([]byte, header)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := io.ReadFull(src, hdr); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(src, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
