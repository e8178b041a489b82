package hastore

import (
	"errors"
	"fmt"
	"time"
)

// Error is a hastore sentinel. The sentinels are constants and compare with
// errors.Is however they are wrapped.
type Error string

func (e Error) Error() string { return string(e) }

const (
	// ErrLocked: another store holds the directory's lock. Returned as a
	// *LockedError naming the holder.
	ErrLocked = Error("hastore: locked")
	// ErrClosed: the store was closed.
	ErrClosed = Error("hastore: store closed")
	// ErrNotDurable: an fsync, close, rename or directory fsync failed, so it
	// is unknown what reached the disk. The store refuses every later write;
	// the caller must exit and start again from what is on disk.
	ErrNotDurable = Error("hastore: write not durable")
	// ErrInvalid: a State breaks the schema (Save), or a checkpoint payload
	// that passed its checksum does (Load).
	ErrInvalid = Error("hastore: invalid state")
	// ErrUnreadable: checkpoint files exist, but none is readable.
	ErrUnreadable = Error("hastore: no readable checkpoint")

	// ErrEmpty: a checkpoint file has no bytes at all.
	ErrEmpty = Error("hastore: empty checkpoint file")
	// ErrNotCheckpoint: a file named like a checkpoint does not start with
	// the checkpoint magic.
	ErrNotCheckpoint = Error("hastore: not a checkpoint file")
	// ErrUnknownVersion: a checkpoint file has a format version this release
	// does not read.
	ErrUnknownVersion = Error("hastore: unknown format version")
	// ErrCorrupt: a checkpoint file fails a checksum or a consistency check.
	ErrCorrupt = Error("hastore: corrupt checkpoint file")
	// ErrTooLarge: a payload is over MaxPayloadSize.
	ErrTooLarge = Error("hastore: checkpoint too large")
)

// A checkpoint cut short, the mark of a write that never completed, is
// reported as a *FileError wrapping io.ErrUnexpectedEOF.

// FileError reports a checkpoint file that could not be used: where, at which
// byte, and why (one of the Err constants, io.ErrUnexpectedEOF, or an I/O
// error).
type FileError struct {
	Path   string
	Offset int64 // byte of the file where the problem was found
	Err    error
}

func (e *FileError) Error() string {
	return fmt.Sprintf("%s (byte %d): %v", e.Path, e.Offset, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// damaged reports whether the file is provably bad in itself (so an older
// generation may stand in for it), rather than intact but unusable: a newer
// format, a schema violation behind a good checksum, or an I/O error.
func (e *FileError) damaged() bool {
	return !errors.Is(e.Err, ErrUnknownVersion) && !errors.Is(e.Err, ErrInvalid) && !errors.Is(e.Err, ErrTooLarge) &&
		(errors.Is(e.Err, ErrEmpty) || errors.Is(e.Err, ErrNotCheckpoint) || errors.Is(e.Err, ErrCorrupt) || isTorn(e.Err))
}

// content reports whether the problem is in the file's bytes, as opposed to
// an I/O error while reading them.
func (e *FileError) content() bool {
	var he Error
	return errors.As(e.Err, &he) || isTorn(e.Err)
}

// Holder is who holds a directory's lock, as the holder wrote it into LOCK.
type Holder struct {
	Host  string
	PID   int
	Since time.Time
}

// LockedError is returned by Open when another store holds the lock. It
// matches ErrLocked.
type LockedError struct {
	Path   string // the LOCK file
	Holder Holder // zero if the holder has not (yet) written itself down
	// HolderErr says why Holder is zero.
	HolderErr error
}

func (e *LockedError) Error() string {
	if e.HolderErr != nil {
		return fmt.Sprintf("%v: %s is held by another process, which did not name itself (%v); another scheduler is using this directory",
			ErrLocked, e.Path, e.HolderErr)
	}
	host := e.Holder.Host
	if host == "" {
		host = "an unknown host"
	}
	return fmt.Sprintf("%v: %s is held by pid %d on %s since %s; another scheduler is using this directory",
		ErrLocked, e.Path, e.Holder.PID, host, e.Holder.Since.Format(time.RFC3339))
}

func (e *LockedError) Unwrap() error { return ErrLocked }
