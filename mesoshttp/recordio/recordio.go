package recordio

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// DefaultMaxFrameSize bounds a frame when the caller gives no limit. A single
// OFFERS event of a large cluster (thousands of agents and roles in one
// allocation cycle) can pass the 4 MiB other clients cap at.
const DefaultMaxFrameSize = 128 << 20

// maxDigits is the longest decimal representation of a uint64.
const maxDigits = 20

// shrinkAbove: a frame buffer grown past this size is released once frames
// get small again, so one huge event does not pin its memory for the life of
// the stream.
const shrinkAbove = 4 << 20

// Error is a framing error. The sentinels are constants, so they compare with
// errors.Is however they are wrapped.
type Error string

func (e Error) Error() string { return string(e) }

// Framing errors. Each is returned wrapped with the offending bytes or sizes.
const (
	// ErrBadSize: the length line holds something other than ASCII digits,
	// or no digits at all.
	ErrBadSize = Error("recordio: bad frame size")
	// ErrSizeTooLong: the length line runs past 20 digits without a line
	// feed, or does not fit in a uint64.
	ErrSizeTooLong = Error("recordio: frame size too long")
	// ErrFrameTooLarge: the length is above the reader's limit.
	ErrFrameTooLarge = Error("recordio: frame too large")
)

// Reader reads records from a stream. It is not safe for concurrent use.
type Reader struct {
	r      *bufio.Reader
	max    uint64
	buf    []byte
	frames uint64 // records read, for error context
}

// NewReader returns a Reader that refuses frames larger than maxFrameSize
// bytes; 0 or less means DefaultMaxFrameSize.
func NewReader(r io.Reader, maxFrameSize int) *Reader {
	if maxFrameSize <= 0 {
		maxFrameSize = DefaultMaxFrameSize
	}
	return &Reader{r: bufio.NewReaderSize(r, 32<<10), max: uint64(maxFrameSize)}
}

// ReadFrame returns the payload of the next record. The slice is only valid
// until the next call: copy what you keep (protobuf decoding copies).
//
// At a clean end of stream it returns io.EOF. A stream that ends inside a
// record returns an error wrapping io.ErrUnexpectedEOF; a malformed length,
// one of the Err constants. After any error the Reader must not be used.
func (r *Reader) ReadFrame() ([]byte, error) {
	n, err := r.readSize()
	if err != nil {
		return nil, err
	}
	if n > r.max {
		return nil, fmt.Errorf("%w: record %d is %d bytes, the limit is %d", ErrFrameTooLarge, r.frames+1, n, r.max)
	}
	size := int(n)
	if cap(r.buf) > shrinkAbove && size < cap(r.buf)/4 {
		r.buf = nil
	}
	if cap(r.buf) < size {
		r.buf = make([]byte, size)
	}
	frame := r.buf[:size]
	if got, err := io.ReadFull(r.r, frame); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("recordio: stream ended inside record %d after %d of %d bytes: %w", r.frames+1, got, size, io.ErrUnexpectedEOF)
		}
		return nil, err
	}
	r.frames++
	return frame, nil
}

// readSize reads the length line without ever buffering more than
// maxDigits+1 bytes of it.
func (r *Reader) readSize() (uint64, error) {
	var n uint64
	digits := 0
	for {
		c, err := r.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				if digits == 0 {
					return 0, io.EOF
				}
				return 0, fmt.Errorf("recordio: stream ended inside the size of record %d: %w", r.frames+1, io.ErrUnexpectedEOF)
			}
			return 0, err
		}
		if c == '\n' {
			if digits == 0 {
				return 0, fmt.Errorf("%w: empty size line before record %d", ErrBadSize, r.frames+1)
			}
			return n, nil
		}
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: byte %s in the size of record %d", ErrBadSize, strconv.QuoteRune(rune(c)), r.frames+1)
		}
		digits++
		if digits > maxDigits {
			return 0, fmt.Errorf("%w: more than %d digits in the size of record %d", ErrSizeTooLong, maxDigits, r.frames+1)
		}
		d := uint64(c - '0')
		if n > (^uint64(0)-d)/10 {
			return 0, fmt.Errorf("%w: the size of record %d overflows 64 bits", ErrSizeTooLong, r.frames+1)
		}
		n = n*10 + d
	}
}

// Writer writes records. It is not safe for concurrent use.
type Writer struct {
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteFrame writes one record with a single Write call, so that a writer
// that flushes per write (an HTTP chunked stream) emits one chunk per record,
// as the Mesos master does.
func (w *Writer) WriteFrame(p []byte) error {
	w.buf = AppendFrame(w.buf[:0], p)
	_, err := w.w.Write(w.buf)
	if cap(w.buf) > shrinkAbove {
		w.buf = nil
	}
	return err
}

// AppendFrame appends the record for p to dst.
func AppendFrame(dst, p []byte) []byte {
	dst = strconv.AppendUint(dst, uint64(len(p)), 10)
	dst = append(dst, '\n')
	return append(dst, p...)
}
