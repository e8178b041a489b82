package localmesos

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Errors of the Master's Go API.
var (
	// ErrClosed: the master has been closed.
	ErrClosed = errors.New("localmesos: master closed")
	// ErrUnknownAgent: no registered agent has that ID.
	ErrUnknownAgent = errors.New("localmesos: unknown agent")
	// ErrUnknownTask: no live task has that ID.
	ErrUnknownTask = errors.New("localmesos: unknown task")
	// ErrInvalidState: a task state or transition Mesos would never send.
	ErrInvalidState = errors.New("localmesos: invalid task state")
)

// Version is the Mesos version the master claims in MasterInfo.
const Version = "1.11.0"

// Master is an in-process Mesos master with its agents. It serves the v1
// scheduler API over HTTP from the moment New returns. One goroutine owns
// all master, agent and task state; HTTP handlers, timers and the public
// methods hand it work and wait for the result.
type Master struct {
	cfg Config
	log *slog.Logger

	reqs     chan request
	stopping chan struct{} // closed when Close starts
	loopDone chan struct{} // closed when the loop has shut down
	closed   sync.Once
	wg       sync.WaitGroup // handlers, process waiters, fetchers

	// Read by HTTP handlers without asking the loop: each is a single
	// value written by the public fault-injection methods.
	leader     atomic.Pointer[leaderInfo]
	leaderless atomic.Bool
	recovering atomic.Bool
	pauseHB    atomic.Bool

	// mu guards the following: the listeners and their servers, which New,
	// Failover and Close change.
	mu        sync.Mutex
	instances []*instance
	ownWork   bool // WorkDir was created by New and is removed by Close

	waiters atomic.Int32 // WaitFor calls in progress
	chMu    sync.Mutex   // guards changed
	changed chan struct{}

	s *state // owned by the loop goroutine
}

// instance is one master process: a listener and its HTTP server. After a
// Failover the old instances stay up and redirect to the new leader.
type instance struct {
	n        int
	listener net.Listener
	server   *http.Server
	url      string
}

// leaderInfo is what every instance needs to answer a request: which
// instance leads and where to redirect.
type leaderInfo struct {
	instance int
	hostPort string // "hostname:port" for Location headers
}

// New validates cfg, registers its agents and starts serving on a new
// listener.
func New(cfg Config) (*Master, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := &Master{
		cfg:      cfg,
		log:      log,
		reqs:     make(chan request),
		stopping: make(chan struct{}),
		loopDone: make(chan struct{}),
		changed:  make(chan struct{}),
	}
	if m.cfg.WorkDir == "" {
		dir, err := os.MkdirTemp("", "localmesos-")
		if err != nil {
			return nil, fmt.Errorf("localmesos: creating the work directory: %w", err)
		}
		m.cfg.WorkDir, m.ownWork = dir, true
	}
	m.s = newState(m)
	for _, a := range cfg.Agents {
		if _, err := m.s.addAgent(a); err != nil {
			m.removeWorkDir()
			return nil, err
		}
	}
	inst, err := m.listen(0)
	if err != nil {
		m.removeWorkDir()
		return nil, err
	}
	m.s.setMasterInfo(inst)
	m.instances = []*instance{inst}
	m.leader.Store(&leaderInfo{instance: 0, hostPort: m.s.redirectHostPort()})
	go m.loop()
	m.serve(inst)
	return m, nil
}

func (m *Master) removeWorkDir() {
	if m.ownWork {
		os.RemoveAll(m.cfg.WorkDir)
	}
}

func (m *Master) listen(n int) (*instance, error) {
	var l net.Listener
	var err error
	if m.cfg.Listen != nil {
		l, err = m.cfg.Listen()
	} else {
		l, err = net.Listen("tcp", m.cfg.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("localmesos: listen: %w", err)
	}
	scheme := "http://"
	if m.cfg.TLS != nil {
		l = tls.NewListener(l, m.cfg.TLS)
		scheme = "https://"
	}
	inst := &instance{n: n, listener: l, url: scheme + l.Addr().String()}
	inst.server = &http.Server{
		Handler:           m.handler(inst),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelDebug),
	}
	return inst, nil
}

func (m *Master) serve(inst *instance) {
	go func() {
		// Serve ends with ErrServerClosed when Close runs; nothing to
		// report then.
		if err := inst.server.Serve(inst.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log.Error("serving stopped", "url", inst.url, "err", err)
		}
	}()
}

// URL is the base URL of the leading master, e.g. "http://127.0.0.1:PORT".
// The scheduler endpoint is URL()+"/api/v1/scheduler".
func (m *Master) URL() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.instances[m.leader.Load().instance].url
}

// Close stops everything: streams are cut, process tasks and their process
// groups are killed and waited for, listeners are closed and a work
// directory New created is removed. It is safe to call more than once.
func (m *Master) Close() error {
	m.closed.Do(func() {
		close(m.stopping)
		<-m.loopDone
		m.mu.Lock()
		for _, inst := range m.instances {
			inst.server.Close()
		}
		m.mu.Unlock()
		m.wg.Wait()
		m.removeWorkDir()
	})
	return nil
}

// request is work for the loop. Read-only requests (introspection) do not
// count as changes, so that WaitFor does not wake itself up.
type request struct {
	f        func(*state)
	readOnly bool
}

// loop is the owner of the state: it runs requests and the allocation
// cycle until Close.
func (m *Master) loop() {
	defer close(m.loopDone)
	alloc := time.NewTicker(m.cfg.AllocationInterval)
	defer alloc.Stop()
	for {
		changed := false
		select {
		case r := <-m.reqs:
			r.f(m.s)
			changed = !r.readOnly
			if m.s.allocPending {
				m.s.allocate()
				changed = true
			}
		case <-alloc.C:
			changed = m.s.allocate()
		case <-m.stopping:
			m.s.shutdown()
			return
		}
		if !changed {
			continue
		}
		m.s.version++
		if m.waiters.Load() > 0 {
			m.chMu.Lock()
			close(m.changed)
			m.changed = make(chan struct{})
			m.chMu.Unlock()
		}
	}
}

// do runs f on the loop and waits for it to finish.
func (m *Master) do(f func(*state)) error { return m.run(f, false) }

// view runs a read-only f on the loop and waits for it.
func (m *Master) view(f func(*state)) error { return m.run(f, true) }

func (m *Master) run(f func(*state), readOnly bool) error {
	done := make(chan struct{})
	select {
	case m.reqs <- request{func(s *state) { f(s); close(done) }, readOnly}:
	case <-m.stopping:
		return ErrClosed
	}
	select {
	case <-done:
		return nil
	case <-m.loopDone:
		return ErrClosed
	}
}

// post hands f to the loop without waiting for it to run. Timers and
// goroutines that report to the loop use it; the loop itself never does.
func (m *Master) post(f func(*state)) {
	select {
	case m.reqs <- request{f: f}:
	case <-m.stopping:
	}
}

// afterFunc runs f on the loop after d, unless stopped first. The returned
// timer's Stop is the only handle needed.
func (m *Master) afterFunc(d time.Duration, f func(*state)) *time.Timer {
	return time.AfterFunc(d, func() { m.post(f) })
}

// Frameworks lists every framework the master knows, connected or not,
// and the removed ones it still remembers.
func (m *Master) Frameworks() []FrameworkInfo {
	var out []FrameworkInfo
	m.view(func(s *state) { out = s.frameworkInfos() })
	return out
}

// Tasks lists every task ID a LAUNCH named, live or not, with its state as
// the agent knows it.
func (m *Master) Tasks() []TaskInfo {
	var out []TaskInfo
	m.view(func(s *state) { out = s.taskInfos() })
	return out
}

// Agents lists the registered agents, then unreachable and gone ones.
func (m *Master) Agents() []AgentInfo {
	var out []AgentInfo
	m.view(func(s *state) { out = s.agentInfos() })
	return out
}

// Calls returns a copy of the calls the master parsed, in the order it
// parsed them, whatever it answered: the last Config.CallLog of them.
func (m *Master) Calls() []*mesospb.Call {
	var out []*mesospb.Call
	m.view(func(s *state) {
		kept := lastN(s.calls, s.m.cfg.CallLog)
		out = make([]*mesospb.Call, len(kept))
		for i, c := range kept {
			out[i] = proto.Clone(c).(*mesospb.Call)
		}
	})
	return out
}

// ProtocolErrors returns the last Config.CallLog 4xx/5xx answers the master gave, as
// "CODE BODY" with the request's call type when known. A strict scheduler
// produces none in normal operation.
func (m *Master) ProtocolErrors() []string {
	var out []string
	m.view(func(s *state) { out = append([]string(nil), lastN(s.protocolErrors, s.m.cfg.CallLog)...) })
	return out
}

// Snapshot is the master's state at one moment, for WaitFor conditions.
type Snapshot struct {
	MasterID   string
	Frameworks []FrameworkInfo
	Tasks      []TaskInfo
	Agents     []AgentInfo
	Offers     []OfferInfo
	// CallCount is how many calls the master has parsed; Calls has the
	// calls themselves.
	CallCount int
	// CallsByType counts the calls the master has parsed by their type
	// (UNKNOWN for a call without one).
	CallsByType map[mesospb.Call_Type]int
	// ProtocolErrors are the last Config.CallLog 4xx/5xx answers.
	ProtocolErrors []string
}

// Framework returns the framework with id, if the snapshot holds it.
func (s *Snapshot) Framework(id string) (FrameworkInfo, bool) {
	for _, f := range s.Frameworks {
		if f.ID == id {
			return f, true
		}
	}
	return FrameworkInfo{}, false
}

// Task returns the task with id (in any framework), if the snapshot holds it.
func (s *Snapshot) Task(id string) (TaskInfo, bool) {
	for _, t := range s.Tasks {
		if t.ID == id {
			return t, true
		}
	}
	return TaskInfo{}, false
}

// WaitFor calls cond with a fresh snapshot after every change of the
// master's state until cond returns true (nil) or ctx ends (ctx.Err()).
// A quiet master is not looked at again, so cond must depend on the
// snapshot alone: a condition on time ("stable for 3 s") needs polling.
func (m *Master) WaitFor(ctx context.Context, cond func(*Snapshot) bool) error {
	m.waiters.Add(1)
	defer m.waiters.Add(-1)
	for {
		m.chMu.Lock()
		changed := m.changed
		m.chMu.Unlock()
		var snap *Snapshot
		if err := m.view(func(s *state) { snap = s.snapshot() }); err != nil {
			return err
		}
		if cond(snap) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-m.loopDone:
			return ErrClosed
		}
	}
}

// newUUID returns 16 random bytes with the version 4 and variant bits set,
// like stout's id::UUID::random.
func newUUID() []byte {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand does not fail on supported platforms; a
		// math/rand UUID is still unique enough for an emulator.
		binary.LittleEndian.PutUint64(b, mrand.Uint64())
		binary.LittleEndian.PutUint64(b[8:], mrand.Uint64())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

// uuidString is the canonical lowercase form.
func uuidString(b []byte) string {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&0xf])
	}
	return string(out)
}

// packIPv4 packs an IPv4 address in network byte order into a uint32 read
// as little-endian, as MasterInfo.ip wants (127.0.0.1 is 16777343).
func packIPv4(ip net.IP) uint32 {
	v4 := ip.To4()
	if v4 == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(v4)
}

func splitPort(addr string) (string, int) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	p, _ := strconv.Atoi(port)
	return host, p
}
