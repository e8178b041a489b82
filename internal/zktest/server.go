package zktest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Jar is where Debian's zookeeper package puts the server.
const Jar = "/usr/share/java/zookeeper.jar"

// InstallHint says how to get the server when it is missing.
const InstallHint = "ZooKeeper is needed for this test: install Debian's server with 'apt-get install -y zookeeper' (it brings a Java runtime)"

// startTimeout bounds a JVM start on a busy two-core machine.
const startTimeout = 60 * time.Second

// Server is one ZooKeeper server process. Its methods are for the test
// goroutine; they fail the test on error.
type Server struct {
	t    testing.TB
	dir  string // zoo.cfg, data/ and the server's output
	port int

	mu  sync.Mutex
	p   *proc // nil while stopped
	out *bytes.Buffer
}

// Start starts a server on a free loopback port and stops it when the
// test ends. It fails the test, saying how to install it, when ZooKeeper
// or Java is missing.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := os.Stat(Jar); err != nil {
		t.Fatalf("%s: %v", InstallHint, err)
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Fatalf("%s: no java on PATH: %v", InstallHint, err)
	}
	s := &Server{t: t, dir: t.TempDir(), port: freePort(t)}
	cfg := fmt.Sprintf("tickTime=500\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"+
		"admin.enableServer=false\nminSessionTimeout=1000\nmaxSessionTimeout=60000\n",
		filepath.Join(s.dir, "data"), s.port)
	if err := os.WriteFile(filepath.Join(s.dir, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	s.Restart()
	return s
}

// Addr is the server's "127.0.0.1:port".
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// Restart starts the server again after Stop, on the same port and data
// directory; a running server is left alone. It returns once the server
// answers.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	if s.p != nil {
		s.mu.Unlock()
		return
	}
	out := &bytes.Buffer{}
	cmd := exec.Command("java", "-Xmx256m", "-cp", Jar, "org.apache.zookeeper.server.ZooKeeperServerMain", filepath.Join(s.dir, "zoo.cfg"))
	cmd.Dir = s.dir
	cmd.Stdout = &lockedWriter{mu: &s.mu, w: out}
	cmd.Stderr = cmd.Stdout
	// Its own process group, so that Stop reaches the JVM and anything
	// it starts.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		s.t.Fatalf("starting ZooKeeper: %v (%s)", err, InstallHint)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	s.p, s.out = p, out
	s.mu.Unlock()

	deadline := time.Now().Add(startTimeout)
	for !Ready(s.Addr()) {
		select {
		case <-p.done:
			s.mu.Lock()
			s.p = nil
			s.mu.Unlock()
			s.t.Fatalf("ZooKeeper exited before it answered: %v\n%s", p.err, s.Output())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			s.t.Fatalf("ZooKeeper did not answer on %s within %v\n%s", s.Addr(), startTimeout, s.Output())
		}
	}
}

// proc is one run of the server.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has been waited for
	err  error         // its exit status, once done
}

// Stop kills the server (SIGKILL to its process group, as a crash would)
// and waits until it is gone. Sessions are kept in the data directory
// until their timeout passes.
func (s *Server) Stop() {
	s.mu.Lock()
	p := s.p
	s.p = nil
	s.mu.Unlock()
	if p == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		s.t.Errorf("ZooKeeper (pid %d) did not exit after SIGKILL", p.cmd.Process.Pid)
	}
}

// Wipe removes the data directory of a stopped server, so that the next
// Restart forgets every znode and session.
func (s *Server) Wipe() {
	s.t.Helper()
	s.mu.Lock()
	running := s.p != nil
	s.mu.Unlock()
	if running {
		s.t.Fatal("zktest: Wipe needs a stopped server")
	}
	if err := os.RemoveAll(filepath.Join(s.dir, "data")); err != nil {
		s.t.Fatal(err)
	}
}

// Output is what the server printed so far.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out == nil {
		return ""
	}
	return s.out.String()
}

// Ready reports whether a ZooKeeper server at addr answers "srvr" and
// serves requests.
func Ready(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, "srvr"); err != nil {
		return false
	}
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		// "This ZooKeeper instance is not currently serving requests"
		// comes back while it loads its data.
		if strings.HasPrefix(sc.Text(), "Mode: ") {
			return true
		}
	}
	return false
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
