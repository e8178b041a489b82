// Package recordio reads and writes RecordIO, the framing of the Mesos
// scheduler API's event stream.
//
// A stream is a sequence of records; each record is its length in bytes as
// ASCII decimal digits, one line feed (0x0A), then exactly that many bytes of
// payload:
//
//	record      = record-size LF record-data
//	record-size = 1*20DIGIT            ; decimal, fits in a uint64
//	record-data = record-size OCTET
//
// There is no carriage return, no trailing delimiter and no header. A
// zero-length record is valid grammar (the Mesos master never sends one), and
// is returned as an empty frame.
//
// The Reader does not depend on how the bytes are chunked in transit: the
// master writes one HTTP chunk per record, but proxies may re-chunk. It bounds
// the frame size before allocating, and tells a clean end of stream (io.EOF
// at a record boundary) from a torn one (io.ErrUnexpectedEOF). Any framing
// error is final for the stream: the only safe recovery is to drop the
// connection and subscribe again.
package recordio
