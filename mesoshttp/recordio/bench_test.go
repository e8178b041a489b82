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

// BenchmarkReadFrame and BenchmarkCopy move the same bytes: the ratio of
// their ns/op is the reader's cost over a bare copy of each frame.
func BenchmarkReadFrame(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			stream, frames := benchStream(size)
			src := bytes.NewReader(stream)
			r := recordio.NewReader(src, 0)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if n == frames {
					src.Reset(stream)
					r = recordio.NewReader(src, 0)
					n = 0
				}
				if _, err := r.ReadFrame(); err != nil {
					b.Fatal(err)
				}
				n++
			}
		})
	}
}

// BenchmarkCopy copies each frame's payload out of an in-memory stream with
// io.ReadFull, knowing the sizes in advance: the floor any reader pays.
func BenchmarkCopy(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			stream, frames := benchStream(size)
			header := len(recordio.AppendFrame(nil, nil)) - 1 + len(fmt.Sprint(size))
			src := bytes.NewReader(stream)
			dst := make([]byte, size)
			hdr := make([]byte, header)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if n == frames {
					src.Reset(stream)
					n = 0
				}
				if _, err := io.ReadFull(src, hdr); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(src, dst); err != nil {
					b.Fatal(err)
				}
				n++
			}
		})
	}
}
