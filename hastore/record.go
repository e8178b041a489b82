package hastore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
)

// MaxPayloadSize bounds a checkpoint payload, checked before anything is
// allocated for it. A thousand workers take about 300 KiB.
const MaxPayloadSize = 256 << 20

const (
	formatVersion = 1
	headerSize    = 36
	preambleSize  = 16 // magic, version, complement: the same in every version
)

var magic = [8]byte{0x89, 'F', 'M', 'C', 'K', 'P', 'T', '\n'}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendRecord appends the checkpoint file for payload p to dst.
func appendRecord(dst []byte, gen uint64, p []byte) []byte {
	start := len(dst)
	dst = append(dst, magic[:]...)
	dst = binary.BigEndian.AppendUint32(dst, formatVersion)
	dst = binary.BigEndian.AppendUint32(dst, ^uint32(formatVersion))
	dst = binary.BigEndian.AppendUint64(dst, gen)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(p)))
	dst = binary.BigEndian.AppendUint32(dst, crc32.Checksum(p, castagnoli))
	dst = binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:start+32], castagnoli))
	return append(dst, p...)
}

// readRecord reads one checkpoint file from r and returns its payload,
// checked against every header field and against wantGen, the generation in
// the file's name. Errors have no Path.
func readRecord(r io.Reader, wantGen uint64) ([]byte, *FileError) {
	var h [headerSize]byte
	n, err := io.ReadFull(r, h[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, &FileError{Offset: int64(n), Err: err}
	}
	if err := checkHeader(h[:n], wantGen); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(h[24:])
	// Memory grows with the bytes actually read, not with what the header
	// claims: a header cut from a larger file costs nothing.
	buf := bytes.NewBuffer(make([]byte, 0, min(size, 1<<20)))
	got, err := buf.ReadFrom(io.LimitReader(r, int64(size)))
	if err != nil {
		return nil, &FileError{Offset: headerSize + got, Err: err}
	}
	if got < int64(size) {
		return nil, &FileError{Offset: headerSize + got, Err: fmt.Errorf("file ends %d bytes into a %d-byte payload: %w", got, size, io.ErrUnexpectedEOF)}
	}
	p := buf.Bytes()
	var one [1]byte
	switch k, err := io.ReadFull(r, one[:]); {
	case k > 0:
		return nil, &FileError{Offset: headerSize + int64(size), Err: fmt.Errorf("%w: bytes after the %d-byte payload", ErrCorrupt, size)}
	case err != io.EOF:
		return nil, &FileError{Offset: headerSize + int64(size), Err: err}
	}
	if got, want := crc32.Checksum(p, castagnoli), binary.BigEndian.Uint32(h[28:]); got != want {
		return nil, &FileError{Offset: headerSize, Err: fmt.Errorf("%w: payload CRC-32C is %08x, the header says %08x", ErrCorrupt, got, want)}
	}
	return p, nil
}

// checkHeader checks the n bytes of header there are, in the order that
// tells damage from a newer writer: magic, version, header checksum, then the
// fields it protects.
func checkHeader(h []byte, wantGen uint64) *FileError {
	if len(h) == 0 {
		return &FileError{Err: ErrEmpty}
	}
	m := min(len(h), len(magic))
	if !bytes.Equal(h[:m], magic[:m]) {
		return &FileError{Err: fmt.Errorf("%w: it starts with % x, a checkpoint with % x", ErrNotCheckpoint, h[:m], magic[:m])}
	}
	if len(h) < preambleSize {
		return &FileError{Offset: int64(len(h)), Err: fmt.Errorf("file ends inside the %d-byte preamble: %w", preambleSize, io.ErrUnexpectedEOF)}
	}
	v, notV := binary.BigEndian.Uint32(h[8:]), binary.BigEndian.Uint32(h[12:])
	if v != ^notV {
		return &FileError{Offset: 8, Err: fmt.Errorf("%w: version field %08x and its complement %08x disagree", ErrCorrupt, v, notV)}
	}
	if v != formatVersion {
		return &FileError{Offset: 8, Err: fmt.Errorf("%w: the file is format version %d; this release reads version %d only (was it written by a newer release?)", ErrUnknownVersion, v, formatVersion)}
	}
	if len(h) < headerSize {
		return &FileError{Offset: int64(len(h)), Err: fmt.Errorf("file ends inside the %d-byte header: %w", headerSize, io.ErrUnexpectedEOF)}
	}
	if got, want := crc32.Checksum(h[:32], castagnoli), binary.BigEndian.Uint32(h[32:]); got != want {
		return &FileError{Offset: 32, Err: fmt.Errorf("%w: header CRC-32C is %08x, the header says %08x", ErrCorrupt, got, want)}
	}
	if g := binary.BigEndian.Uint64(h[16:]); g != wantGen {
		return &FileError{Offset: 16, Err: fmt.Errorf("%w: the file holds generation %d, its name says %d", ErrCorrupt, g, wantGen)}
	}
	if size := binary.BigEndian.Uint32(h[24:]); size > MaxPayloadSize {
		return &FileError{Offset: 24, Err: fmt.Errorf("%w: payload of %d bytes; the limit is %d", ErrTooLarge, size, MaxPayloadSize)}
	}
	return nil
}

func isTorn(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }

// File names. A generation's name, its temporary file and its moved-aside
// copy share one stem, so every name of ours parses to a generation.
const (
	lockName     = "LOCK"
	genPrefix    = "ckpt-"
	genDigits    = 16
	tmpSuffix    = ".tmp"
	corruptSuffx = ".corrupt"
)

type nameKind int

const (
	kindForeign nameKind = iota
	kindGen
	kindTmp
	kindCorrupt
)

func genName(gen uint64) string { return fmt.Sprintf("%s%0*x", genPrefix, genDigits, gen) }

// parseName classifies a directory entry name.
func parseName(name string) (nameKind, uint64) {
	kind := kindGen
	stem := name
	if s, ok := strings.CutSuffix(name, tmpSuffix); ok {
		kind, stem = kindTmp, s
	} else if s, ok := strings.CutSuffix(name, corruptSuffx); ok {
		kind, stem = kindCorrupt, s
	}
	hex, ok := strings.CutPrefix(stem, genPrefix)
	if !ok || len(hex) != genDigits || strings.ToLower(hex) != hex {
		return kindForeign, 0
	}
	gen, err := strconv.ParseUint(hex, 16, 64)
	if err != nil || gen == 0 {
		return kindForeign, 0
	}
	return kind, gen
}
