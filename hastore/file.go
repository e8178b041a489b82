package hastore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Log attribute keys.
const (
	logKeySubsystem  = "subsystem"
	logKeyDir        = "dir"
	logKeyFile       = "file"
	logKeyErr        = "err"
	logKeyGeneration = "generation"
)

// keepGood is how many good generations survive a write: the new one and the
// one before it, so that damage to the newest never leaves nothing.
const keepGood = 2

// Options configure a FileStore. The zero value is valid.
type Options struct {
	// Logger receives the warnings Load and Save do not return as errors
	// (a damaged generation skipped, a file moved aside); nil discards them.
	Logger *slog.Logger
	// Fence, if set, is called during every Save after the new generation
	// is durable in its temporary file and before the rename that publishes
	// it. An error abandons the write (the temporary file is removed) and is
	// returned, wrapped, from Save. It lets a deposed leader be stopped
	// before it overwrites the checkpoint.
	Fence func() error
	// Now is the clock for the lock holder's start time; nil means
	// time.Now.
	Now func() time.Time
}

// FileStore is a Store in a directory. Its methods may be called from several
// goroutines, but each call holds the store for its whole duration.
type FileStore struct {
	dir   string
	log   *slog.Logger
	fence func() error
	lock  *os.File

	// fault, set only by tests, runs before each step of a write and fails
	// the step, without running it, if it returns an error. op is one of
	// "read", "write", "fsync", "close", "rename", "fsync-dir" or "remove".
	fault func(op, path string) error

	mu sync.Mutex
	// mu guards the following.
	closed  bool
	broken  error // the failure that made writes unsafe; sticky
	maxGen  uint64
	files   map[uint64]*genFile // generations on disk
	damaged []*FileError        // skipped by the last Load
}

type genStatus int

const (
	statusUnknown genStatus = iota // not read since the last listing
	statusGood
	statusBad // err says why
)

type genFile struct {
	status genStatus
	err    *FileError
}

// Open opens the checkpoint directory dir, creating it (mode 0700) if its
// parent exists, and takes its lock. It removes temporary files left by an
// interrupted write and logs files that are not its own. It does not read any
// checkpoint: Load does.
//
// Only the last element of dir is created: if the parent is missing (a share
// that is not mounted, a typo), Open fails rather than start an empty store
// on the local disk.
func Open(dir string, opts Options) (*FileStore, error) {
	if dir == "" {
		return nil, errors.New("hastore: open: empty directory path")
	}
	dir = filepath.Clean(dir)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(logKeySubsystem, "hastore", logKeyDir, dir)
	now := opts.Now
	if now == nil {
		now = time.Now
	}

	if err := os.Mkdir(dir, 0o700); err == nil {
		if err := syncDir(filepath.Dir(dir)); err != nil {
			return nil, fmt.Errorf("hastore: open: created %s but %w", dir, err)
		}
	} else if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("hastore: open: the parent of %s does not exist; only the last path element is created, so that an unmounted share is not taken for an empty one: %w", dir, err)
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("hastore: open: %w", err)
	}
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("hastore: open: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("hastore: open: %s is not a directory (mode %v)", dir, fi.Mode())
	}

	lockPath := filepath.Join(dir, lockName)
	lf, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("hastore: open: %w", err)
	}
	opened := false
	defer func() {
		if !opened {
			lf.Close()
		}
	}()
	busy, err := tryLock(lf)
	if err != nil {
		return nil, fmt.Errorf("hastore: open: cannot lock %s (on NFS, locks need NFSv4, or NFSv3 with lockd running and no \"nolock\" option): %w", lockPath, err)
	}
	if busy {
		h, herr := readHolder(lockPath)
		return nil, &LockedError{Path: lockPath, Holder: h, HolderErr: herr}
	}
	s := &FileStore{dir: dir, log: log, fence: opts.Fence, lock: lf, files: map[uint64]*genFile{}}
	if err := s.writeHolder(now()); err != nil {
		return nil, fmt.Errorf("hastore: open: write the holder into %s: %w", lockPath, err)
	}
	// LOCK may be new.
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("hastore: open: %w", err)
	}
	l, err := s.list()
	if err != nil {
		return nil, err
	}
	for _, e := range l.ours {
		if e.kind == kindTmp {
			if err := os.Remove(filepath.Join(dir, e.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("hastore: open: remove the temporary file of an interrupted write: %w", err)
			}
			log.Info("removed the temporary file of an interrupted write", logKeyFile, e.name)
		}
	}
	for _, name := range l.foreign {
		log.Warn("ignoring a file that is not a checkpoint", logKeyFile, name)
	}
	s.index(l)
	opened = true
	return s, nil
}

// Dir returns the directory of the store.
func (s *FileStore) Dir() string { return s.dir }

type holderJSON struct {
	Host  string `json:"host"`
	PID   int    `json:"pid"`
	Since string `json:"since"`
}

func (s *FileStore) writeHolder(since time.Time) error {
	host, _ := os.Hostname() // an empty host still names the pid
	b, err := json.Marshal(holderJSON{Host: host, PID: os.Getpid(), Since: since.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return err
	}
	b = append(b, '\n')
	// In place: replacing LOCK would leave the lock on an unlinked file.
	if _, err := s.lock.WriteAt(b, 0); err != nil {
		return err
	}
	if err := s.lock.Truncate(int64(len(b))); err != nil {
		return err
	}
	return s.lock.Sync()
}

// readHolder reads who holds the lock. The holder may be writing it at this
// very moment, so a partial or empty record is an error, not a crash.
func readHolder(path string) (Holder, error) {
	f, err := os.Open(path)
	if err != nil {
		return Holder{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4<<10))
	if err != nil {
		return Holder{}, err
	}
	return parseHolder(b)
}

func parseHolder(b []byte) (Holder, error) {
	if len(b) == 0 {
		return Holder{}, errors.New("the LOCK file is empty")
	}
	var h holderJSON
	if err := json.Unmarshal(b, &h); err != nil {
		return Holder{}, fmt.Errorf("the LOCK file holds %q: %w", b, err)
	}
	since, err := time.Parse(time.RFC3339Nano, h.Since)
	if err != nil || h.PID <= 0 {
		return Holder{}, fmt.Errorf("the LOCK file holds %q, without a valid pid and time", b)
	}
	return Holder{Host: h.Host, PID: h.PID, Since: since}, nil
}

type dirEntry struct {
	name string
	kind nameKind
	gen  uint64
}

type listing struct {
	ours    []dirEntry // sorted by generation, then name
	foreign []string
}

func (s *FileStore) list() (listing, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return listing{}, fmt.Errorf("hastore: list %s: %w", s.dir, err)
	}
	var l listing
	for _, e := range entries {
		if e.Name() == lockName {
			continue
		}
		kind, gen := parseName(e.Name())
		if kind == kindForeign {
			l.foreign = append(l.foreign, e.Name())
			continue
		}
		l.ours = append(l.ours, dirEntry{name: e.Name(), kind: kind, gen: gen})
	}
	slices.SortFunc(l.ours, func(a, b dirEntry) int {
		if a.gen != b.gen {
			if a.gen < b.gen {
				return -1
			}
			return 1
		}
		return int(a.kind) - int(b.kind)
	})
	return l, nil
}

// index resets the in-memory view of the generations to the listing l.
func (s *FileStore) index(l listing) {
	s.files = map[uint64]*genFile{}
	for _, e := range l.ours {
		s.maxGen = max(s.maxGen, e.gen)
		if e.kind == kindGen {
			s.files[e.gen] = &genFile{}
		}
	}
}

// gensNewestFirst returns the generations on disk, newest first.
func (s *FileStore) gensNewestFirst() []uint64 {
	gens := make([]uint64, 0, len(s.files))
	for g := range s.files {
		gens = append(gens, g)
	}
	slices.Sort(gens)
	slices.Reverse(gens)
	return gens
}

// read reads generation g from disk and records its status.
func (s *FileStore) read(g uint64) (State, *FileError) {
	gf := s.files[g]
	path := filepath.Join(s.dir, genName(g))
	var st State
	var ferr *FileError
	if err := s.do("read", path, func() error { return nil }); err != nil {
		ferr = &FileError{Path: path, Err: err}
	} else {
		st, ferr = readFile(path, g)
	}
	if ferr != nil {
		*gf = genFile{status: statusBad, err: ferr}
		return State{}, ferr
	}
	*gf = genFile{status: statusGood}
	return st, nil
}

func readFile(path string, g uint64) (State, *FileError) {
	// Never open what is not a regular file: a FIFO would block.
	if fi, err := os.Lstat(path); err != nil {
		return State{}, &FileError{Path: path, Err: err}
	} else if !fi.Mode().IsRegular() {
		return State{}, &FileError{Path: path, Err: fmt.Errorf("%w: not a regular file (mode %v)", ErrNotCheckpoint, fi.Mode())}
	}
	f, err := os.Open(path)
	if err != nil {
		return State{}, &FileError{Path: path, Err: err}
	}
	defer f.Close()
	p, ferr := readRecord(f, g)
	if ferr != nil {
		ferr.Path = path
		return State{}, ferr
	}
	st, err := decodePayload(p)
	if err != nil {
		return State{}, &FileError{Path: path, Offset: headerSize, Err: err}
	}
	return st, nil
}

// Load returns the newest good generation. See the package documentation for
// what it does with damaged and unusable ones.
func (s *FileStore) Load() (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return State{}, ErrClosed
	}
	l, err := s.list()
	if err != nil {
		return State{}, err
	}
	s.index(l)
	s.damaged = nil
	var damaged []*FileError
	for _, g := range s.gensNewestFirst() {
		st, ferr := s.read(g)
		if ferr == nil {
			for _, d := range damaged {
				s.log.Error("checkpoint is damaged; using an older generation", logKeyFile, d.Path, logKeyErr, d.Err.Error(), logKeyGeneration, g)
			}
			s.damaged = damaged
			return st, nil
		}
		if !ferr.damaged() {
			return State{}, fmt.Errorf("hastore: load: %w", ferr)
		}
		damaged = append(damaged, ferr)
	}
	if len(damaged) > 0 {
		s.damaged = damaged
		return State{}, unreadable(s.dir, damaged)
	}
	return State{}, nil
}

func unreadable(dir string, damaged []*FileError) error {
	errs := make([]error, len(damaged))
	for i, d := range damaged {
		errs[i] = d
	}
	return fmt.Errorf("%w in %s: %d checkpoint files, none good; they are left in place: %w", ErrUnreadable, dir, len(damaged), errors.Join(errs...))
}

// Damaged returns the generations the last Load skipped as damaged, newest
// first: empty when it read the newest one.
func (s *FileStore) Damaged() []*FileError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.damaged)
}

// Save writes s as a new generation; see the package documentation for the
// steps. An error wrapping ErrNotDurable is permanent for this store. Save
// refuses to write while Load would fail: over a newer format version, over
// an unreadable directory.
func (s *FileStore) Save(st State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	p, err := encodePayload(st)
	if err != nil {
		return err
	}
	if err := s.checkTop(); err != nil {
		return err
	}
	if s.maxGen == math.MaxUint64 {
		return fmt.Errorf("hastore: save: generation numbers are exhausted in %s", s.dir)
	}
	gen := s.maxGen + 1
	if err := s.publish(gen, appendRecord(make([]byte, 0, headerSize+len(p)), gen, p)); err != nil {
		return err
	}
	s.files[gen] = &genFile{status: statusGood}
	s.prune(gen)
	return nil
}

func (s *FileStore) writable() error {
	if s.closed {
		return ErrClosed
	}
	if s.broken != nil {
		return fmt.Errorf("hastore: writes refused since an earlier failure; restart from what is on disk: %w", s.broken)
	}
	return nil
}

// checkTop fails if the newest generations are such that Load would fail.
func (s *FileStore) checkTop() error {
	var damaged []*FileError
	for _, g := range s.gensNewestFirst() {
		gf := s.files[g]
		// An I/O error may have passed: read again rather than refuse on
		// what an earlier Load saw.
		if gf.status == statusUnknown || (gf.status == statusBad && !gf.err.content()) {
			s.read(g)
		}
		switch {
		case gf.status == statusGood:
			return nil
		case !gf.err.damaged():
			return fmt.Errorf("hastore: save: refusing to write over %w", gf.err)
		}
		damaged = append(damaged, gf.err)
	}
	if len(damaged) > 0 {
		return fmt.Errorf("hastore: save: refusing to write: %w", unreadable(s.dir, damaged))
	}
	return nil
}

func (s *FileStore) do(op, path string, fn func() error) error {
	if s.fault != nil {
		if err := s.fault(op, path); err != nil {
			return &os.PathError{Op: op, Path: path, Err: err}
		}
	}
	return fn()
}

// publish writes rec as generation gen: the recipe in the package doc.
func (s *FileStore) publish(gen uint64, rec []byte) error {
	final := filepath.Join(s.dir, genName(gen))
	tmp := final + tmpSuffix
	s.maxGen = gen // even a failed attempt's name is never reused
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("hastore: save generation %d: %w", gen, err)
	}
	published := false
	defer func() {
		if !published {
			f.Close()
			if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("could not remove a temporary file; the next Open removes it", logKeyFile, tmp, logKeyErr, err.Error())
			}
		}
	}()
	// notDurable marks the store broken: from here the page cache or the
	// directory may disagree with the disk.
	notDurable := func(err error) error {
		s.broken = fmt.Errorf("%w: generation %d: %w", ErrNotDurable, gen, err)
		return fmt.Errorf("hastore: save: %w", s.broken)
	}
	if err := s.do("write", tmp, func() error { _, err := f.Write(rec); return err }); err != nil {
		return fmt.Errorf("hastore: save generation %d: %w", gen, err)
	}
	if err := s.do("fsync", tmp, f.Sync); err != nil {
		return notDurable(err)
	}
	if err := s.do("close", tmp, f.Close); err != nil {
		return notDurable(err)
	}
	if s.fence != nil {
		if err := s.fence(); err != nil {
			return fmt.Errorf("hastore: save: the fence refused generation %d: %w", gen, err)
		}
	}
	if err := s.do("rename", tmp, func() error { return os.Rename(tmp, final) }); err != nil {
		return notDurable(err)
	}
	published = true
	if err := s.do("fsync-dir", s.dir, func() error { return syncDir(s.dir) }); err != nil {
		return notDurable(err)
	}
	return nil
}

// prune keeps the newest keepGood good generations, newGen first, deletes
// older good ones and moves bad ones aside, now that a good state is on top.
// Failures are logged: the new generation is already durable, and the next
// Save tries again.
func (s *FileStore) prune(newGen uint64) {
	good := 0
	for _, g := range s.gensNewestFirst() {
		gf := s.files[g]
		if gf.status == statusUnknown {
			s.read(g)
		}
		path := filepath.Join(s.dir, genName(g))
		switch {
		case gf.status == statusGood && good < keepGood:
			good++
		case gf.status == statusGood:
			if err := s.do("remove", path, func() error { return os.Remove(path) }); err != nil && !errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("could not delete an old generation", logKeyFile, path, logKeyErr, err.Error())
				continue
			}
			delete(s.files, g)
		case gf.err.content():
			aside := path + corruptSuffx
			if err := s.do("rename", path, func() error { return os.Rename(path, aside) }); err != nil {
				s.log.Warn("could not move a bad generation aside", logKeyFile, path, logKeyErr, err.Error())
				continue
			}
			s.log.Warn("moved a bad generation aside", logKeyFile, aside, logKeyErr, gf.err.Err.Error())
			delete(s.files, g)
		default:
			s.log.Warn("leaving an unreadable generation in place", logKeyFile, path, logKeyErr, gf.err.Err.Error())
		}
	}
}

// Remove deletes every checkpoint, temporary and moved-aside file, oldest
// first with a directory fsync after each, so that a crash part way leaves
// the newest state, never an older one on top. LOCK and foreign files stay;
// so does the lock.
func (s *FileStore) Remove() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	l, err := s.list()
	if err != nil {
		return err
	}
	for _, e := range l.ours {
		path := filepath.Join(s.dir, e.name)
		if err := s.do("remove", path, func() error { return os.Remove(path) }); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("hastore: remove: %w", err)
		}
		if err := s.do("fsync-dir", s.dir, func() error { return syncDir(s.dir) }); err != nil {
			s.broken = fmt.Errorf("%w: remove: %w", ErrNotDurable, err)
			return fmt.Errorf("hastore: %w", s.broken)
		}
	}
	s.files = map[uint64]*genFile{}
	s.damaged = nil
	return nil
}

// Close releases the lock. Later calls return ErrClosed; Close itself may be
// called again.
func (s *FileStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.lock.Close(); err != nil {
		return fmt.Errorf("hastore: close: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
