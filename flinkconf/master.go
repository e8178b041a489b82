package flinkconf

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// MasterKind says how the scheduler finds the Mesos master.
type MasterKind int

// The three ways to reach a master.
const (
	MasterStatic    MasterKind = iota + 1 // a fixed list of master URLs
	MasterZooKeeper                       // leader detection through ZooKeeper
	MasterLocal                           // the in-process master of localmesos
)

func (k MasterKind) String() string {
	switch k {
	case MasterStatic:
		return "static"
	case MasterZooKeeper:
		return "zookeeper"
	case MasterLocal:
		return "local"
	}
	return "unset"
}

// Default ports filled in where a form allows leaving them out.
const (
	DefaultMasterPort    = 5050
	DefaultZooKeeperPort = 2181
)

// Master is a parsed mesos.master.
type Master struct {
	Kind MasterKind
	// URLs are the base URLs of the masters to try, in order, e.g.
	// "http://10.0.0.1:5050" (MasterStatic only).
	URLs []string
	// ZKServers are the ZooKeeper host:port pairs, ZKPath the znode under
	// which the masters register, e.g. "/mesos" (MasterZooKeeper only).
	ZKServers []string
	ZKPath    string
	// ZKCredentials is the "user:password" digest authentication, if the
	// URL carried one.
	ZKCredentials Secret
	// LocalAgents is the number of in-process agents (MasterLocal only).
	LocalAgents int
}

// String prints the master without its ZooKeeper credentials.
func (m Master) String() string {
	switch m.Kind {
	case MasterStatic:
		return strings.Join(m.URLs, ",")
	case MasterZooKeeper:
		auth := ""
		if !m.ZKCredentials.IsZero() {
			auth = redacted + "@"
		}
		return "zk://" + auth + strings.Join(m.ZKServers, ",") + m.ZKPath
	case MasterLocal:
		return fmt.Sprintf("local[%d]", m.LocalAgents)
	}
	return ""
}

// LogValue logs the redacted form.
func (m Master) LogValue() slog.Value { return slog.StringValue(m.String()) }

// MasterForms lists the accepted forms of mesos.master for error messages.
// MaxLocalAgents is the largest N of local[N].
const MaxLocalAgents = 1000

const MasterForms = "host:port, http://host:port, https://host:port, mesos://host:port or a comma-separated list of these; zk://[user:pass@]host:port[,host:port]/path or mesos://zk://...; file:///path (a file holding one of these); local or local[N]"

// ParseMaster parses every form of mesos.master except file:///path, whose
// file Options reads and then hands its trimmed content to ParseMaster:
//
//   - host:port, mesos://host:port, http://host:port, https://host:port, or
//     a comma-separated list of them (tried in order until the leader
//     answers); http(s) URLs may leave out the port and carry a path prefix;
//   - zk://[user:pass@]host[:port][,host[:port]]/path, also behind
//     mesos://; the path must not be "/" (Mesos src/master/detector/
//     detector.cpp) and the credentials are what precedes the last "@"
//     before the path (include/mesos/zookeeper/url.hpp);
//   - local (one agent) or local[N] with N >= 1.
func ParseMaster(s string) (Master, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Master{}, newProblem(ErrRequired, "empty")
	}
	if s == "local" {
		return Master{Kind: MasterLocal, LocalAgents: 1}, nil
	}
	if strings.HasPrefix(s, "local[") && strings.HasSuffix(s, "]") {
		n, err := strconv.Atoi(s[len("local[") : len(s)-1])
		// Local agents share one machine's ports; 1,000 leaves each
		// more than 20 (see the local mode's port slices).
		if err != nil || n < 1 || n > MaxLocalAgents {
			return Master{}, newProblem(ErrInvalid, "local[N] needs a whole number N from 1 to %d", MaxLocalAgents)
		}
		return Master{Kind: MasterLocal, LocalAgents: n}, nil
	}
	if strings.HasPrefix(s, "file://") {
		return Master{}, newProblem(ErrInvalid, "file:// may not name another file:// here")
	}
	zk := strings.TrimPrefix(s, "mesos://")
	if strings.HasPrefix(zk, "zk://") {
		return parseZooKeeperMaster(zk)
	}
	m := Master{Kind: MasterStatic}
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return Master{}, newProblem(ErrInvalid, "entry %d of the master list is empty", i+1)
		}
		u, err := masterURL(part)
		if err != nil {
			return Master{}, newProblem(ErrInvalid, "entry %d %q: %v", i+1, part, err)
		}
		m.URLs = append(m.URLs, u)
	}
	return m, nil
}

func masterURL(s string) (string, error) {
	switch {
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		u, err := url.Parse(s)
		if err != nil {
			return "", fmt.Errorf("not a URL")
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Host == "" {
			return "", fmt.Errorf("expected scheme://host[:port][/path] without credentials, query or fragment")
		}
		if err := checkHostPort(u.Host, u.Port() != ""); err != nil {
			return "", err
		}
		return u.Scheme + "://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/"), nil
	case strings.Contains(s, "://") && !strings.HasPrefix(s, "mesos://"):
		scheme, _, _ := strings.Cut(s, "://")
		return "", fmt.Errorf("unknown scheme %q", scheme)
	}
	hp := strings.TrimPrefix(s, "mesos://")
	hp = strings.TrimPrefix(hp, "master@") // a libprocess PID, as libmesos accepted
	if err := checkHostPort(hp, true); err != nil {
		return "", err
	}
	return "http://" + hp, nil
}

func checkHostPort(hp string, portRequired bool) error {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		if portRequired {
			return fmt.Errorf("expected host:port")
		}
		host = strings.Trim(hp, "[]")
	} else if n, perr := strconv.Atoi(port); perr != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	if host == "" || strings.ContainsAny(host, " /@") {
		return fmt.Errorf("the host is empty or malformed")
	}
	return nil
}

func parseZooKeeperMaster(s string) (Master, error) {
	rest := strings.TrimPrefix(s, "zk://")
	servers, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		servers, path = rest[:i], rest[i:]
	}
	if path == "" || path == "/" {
		return Master{}, newProblem(ErrInvalid, "zk:// needs a path after the servers, such as /mesos (\"/\" alone is not allowed)")
	}
	m := Master{Kind: MasterZooKeeper, ZKPath: strings.TrimSuffix(path, "/")}
	// ZooKeeper refuses empty, "." and ".." path elements
	// (PathUtils.validatePath), so such a path could never be watched.
	for _, elem := range strings.Split(m.ZKPath[1:], "/") {
		if elem == "" || elem == "." || elem == ".." {
			return Master{}, newProblem(ErrInvalid, "zk:// path %q is not a ZooKeeper path: no empty, \".\" or \"..\" elements", path)
		}
	}
	if i := strings.LastIndexByte(servers, '@'); i >= 0 {
		cred := servers[:i]
		servers = servers[i+1:]
		if u, p, ok := strings.Cut(cred, ":"); !ok || u == "" || p == "" {
			return Master{}, newProblem(ErrInvalid, "zk:// credentials must be user:password")
		}
		m.ZKCredentials = NewSecret(cred)
	}
	for i, hp := range strings.Split(servers, ",") {
		hp = strings.TrimSpace(hp)
		if hp == "" {
			return Master{}, newProblem(ErrInvalid, "ZooKeeper server %d is empty", i+1)
		}
		if _, _, err := net.SplitHostPort(hp); err != nil {
			hp = net.JoinHostPort(strings.Trim(hp, "[]"), strconv.Itoa(DefaultZooKeeperPort))
		}
		if err := checkHostPort(hp, true); err != nil {
			return Master{}, newProblem(ErrInvalid, "ZooKeeper server %d: %v", i+1, err)
		}
		m.ZKServers = append(m.ZKServers, hp)
	}
	return m, nil
}

// redactMasterURL hides "user:pass@" in a zk:// master value.
func redactMasterURL(v string) string {
	i := strings.Index(v, "zk://")
	if i < 0 {
		return v
	}
	rest := v[i+len("zk://"):]
	end := strings.IndexByte(rest, '/')
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return v
	}
	return v[:i+len("zk://")] + redacted + rest[at:]
}
