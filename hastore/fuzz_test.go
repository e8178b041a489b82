package hastore

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
	"testing/iotest"
)

// FuzzReadRecord feeds arbitrary file contents to the record reader, whole
// or one byte at a time. It must never panic, and either return the payload
// the header describes or a *FileError about the content, at an offset
// inside the input.
func FuzzReadRecord(f *testing.F) {
	valid := appendRecord(nil, 1, []byte(`{"frameworkId":"fw","nextTaskNumber":1}`))
	for _, b := range [][]byte{valid, valid[:20], valid[:36], append(bytes.Clone(valid), 0), {}, make([]byte, 36)} {
		f.Add(b, false)
	}
	f.Add(valid, true)
	f.Fuzz(func(t *testing.T, data []byte, oneByte bool) {
		var r io.Reader = bytes.NewReader(data)
		if oneByte {
			r = iotest.OneByteReader(r)
		}
		p, fe := readRecord(r, 1)
		if fe != nil {
			if !fe.content() {
				t.Fatalf("got %v, want an error about the content", fe)
			}
			if fe.Offset < 0 || fe.Offset > int64(len(data)) {
				t.Fatalf("offset %d outside the %d-byte input: %v", fe.Offset, len(data), fe)
			}
			return
		}
		if !bytes.Equal(p, data[headerSize:]) {
			t.Fatalf("payload %q, want the %d bytes after the header", p, len(data)-headerSize)
		}
		if !bytes.Equal(appendRecord(nil, 1, p), data) {
			t.Fatalf("re-encoding the payload gives other bytes")
		}
	})
}

// FuzzDecodePayload feeds arbitrary payloads, as if their checksum were
// good. A payload either fails with ErrInvalid or decodes to a state that
// encodes and decodes back to itself.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"nextTaskNumber":18446744073709551615}`, `{"nextTaskNumber":18446744073709551616}`,
		`{"frameworkId":"fw","nextTaskNumber":2,"workers":[{"taskId":"a","role":"jobmanager","state":"launched","index":0,"attempt":1,"agentId":"S1","hostname":"h","ports":{"rest.port":8081},"launchedAt":"2024-05-01T10:00:00.5Z"},{"taskId":"b","role":"taskmanager","state":"new","index":1,"attempt":0}],"meta":{"k":"v"}}`,
		`{"workers":[{"taskId":"b","role":"taskmanager","state":"new","index":0,"attempt":0},{"taskId":"a","role":"taskmanager","state":"new","index":0,"attempt":0}]}`,
		`{"workers":[{"taskId":"a","role":"taskmanager","state":"new","index":-1,"attempt":0}]}`,
		`{"workers":[{"taskId":"a","role":"taskmanager","state":"new","index":0,"attempt":0,"launchedAt":"2024-05-01T12:00:00+02:00"}]}`,
		`{"workers":[{"taskId":"a","role":"taskmanager","state":"new","index":0,"attempt":0,"ports":{"p":0}}]}`,
		`{"frameworkId":"\ud800"}`, `{"frameworkId":"a","frameworkId":"b"}`, `{"meta":{"":"x"}}`, `{"x":1}`, `{} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		st, err := decodePayload(p)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
			return
		}
		p2, err := encodePayload(st)
		if err != nil {
			t.Fatalf("a decoded state does not encode: %v", err)
		}
		st2, err := decodePayload(p2)
		if err != nil {
			t.Fatalf("an encoded state does not decode: %v\n%s", err, p2)
		}
		if !reflect.DeepEqual(st, st2) {
			t.Fatalf("round trip changed the state:\n got  %+v\n want %+v", st2, st)
		}
		if p3, _ := encodePayload(st2); !bytes.Equal(p3, p2) {
			t.Fatalf("encoding is not stable:\n %s\n %s", p2, p3)
		}
	})
}

// FuzzParseHolder: whatever is in LOCK, parsing it never panics, and a
// holder it returns has a pid.
func FuzzParseHolder(f *testing.F) {
	for _, s := range []string{"", `{"host":"h","pid":1,"since":"2024-05-01T10:00:00Z"}` + "\n", `{"host":"h","pi`, `{"pid":-1,"since":"2024-05-01T10:00:00Z"}`, "\x00\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseHolder(b)
		if err == nil && h.PID <= 0 {
			t.Fatalf("holder %+v without a pid", h)
		}
	})
}
