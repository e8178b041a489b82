package mesoshttp

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// schedulerPath is the endpoint under a master's base URL. Mesos serves the
// same handler at /master/api/v1/scheduler (Mesos docs/scheduler-http-api.md;
// libprocess' delegate rewrites the path).
const schedulerPath = "/api/v1/scheduler"

// defaultPort is the Mesos master's default --port.
const defaultPort = "5050"

// parseMaster turns a configured master address into the URL of its
// scheduler endpoint. Accepted forms: "host:port", "host" (port 5050),
// "http://host:port[/prefix]", "https://host:port[/prefix]" and
// "mesos://host:port" (http, or https when useTLS). A path is taken as a
// prefix (a reverse proxy's), unless it already ends in /api/v1/scheduler.
func parseMaster(s string, useTLS bool) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty master address")
	}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	raw := s
	if !strings.Contains(s, "://") {
		host, rest, _ := strings.Cut(s, "/")
		if _, _, err := net.SplitHostPort(host); err != nil {
			host = net.JoinHostPort(strings.Trim(host, "[]"), defaultPort)
		}
		raw = scheme + "://" + host
		if rest != "" {
			raw += "/" + rest
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("master %q is not a URL: %w", s, err)
	}
	switch u.Scheme {
	case "http", "https":
	case "mesos":
		u.Scheme = scheme
	default:
		return nil, fmt.Errorf("master %q: scheme %q is not supported (use http://, https://, mesos:// or host:port; ZooKeeper needs a Detector)", s, u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("master %q has no host", s)
	}
	if u.User != nil {
		return nil, fmt.Errorf("master %q carries credentials in the URL; use Config.Principal and Config.Secret", redactUser(u))
	}
	if err := checkHost(u); err != nil {
		return nil, fmt.Errorf("master %q: %w", s, err)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return nil, fmt.Errorf("master %q: a query or fragment is not allowed", s)
	}
	if !strings.HasSuffix(u.Path, schedulerPath) {
		u.Path = strings.TrimRight(u.Path, "/") + schedulerPath
	}
	u.RawPath = ""
	return u, nil
}

func redactUser(u *url.URL) string {
	c := *u
	c.User = url.User("REDACTED")
	return c.String()
}

// resolveLocation returns the URL a 307 from cur points to. The master sends
// a protocol-relative Location, //host:port/master/api/v1/scheduler[?query]
// (Mesos src/master/http.cpp, Master::Http::redirect); masters before 0.23
// sent http://host:port without a path. So: the host (and a query) come from
// Location; the path too when it has one, otherwise cur's path stays; the
// scheme always stays cur's, because old masters write http:// whatever
// they serve and following that would drop TLS. Credentials in Location,
// other schemes, and a Location without a host anywhere are refused.
func resolveLocation(cur *url.URL, location string) (*url.URL, error) {
	loc := strings.TrimSpace(location)
	if loc == "" {
		return nil, fmt.Errorf("redirect without a Location header")
	}
	u, err := url.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("redirect Location %q: %w", location, err)
	}
	switch u.Scheme {
	case "", "http", "https":
	default:
		return nil, fmt.Errorf("redirect Location %q: scheme %q is not http or https", location, u.Scheme)
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf("redirect Location %q is not a URL", location)
	}
	if u.User != nil {
		return nil, fmt.Errorf("redirect Location %q carries credentials", redactUser(u))
	}
	next := &url.URL{Scheme: cur.Scheme, Host: cur.Host, Path: cur.Path}
	if u.Host != "" {
		if u.Hostname() == "" {
			return nil, fmt.Errorf("redirect Location %q has an empty host", location)
		}
		if err := checkHost(u); err != nil {
			return nil, fmt.Errorf("redirect Location %q: %w", location, err)
		}
		next.Host = u.Host
	}
	switch {
	case u.Path == "" || u.Path == "/":
	case strings.HasPrefix(u.Path, "/"):
		next.Path = u.Path
	default:
		next.Path = cur.ResolveReference(&url.URL{Path: u.Path}).Path
	}
	next.RawQuery = u.RawQuery
	if next.Host == "" {
		return nil, fmt.Errorf("redirect Location %q gives no host", location)
	}
	return next, nil
}

// checkHost refuses a host that does not survive a round trip through
// url.Parse (it accepts "//::1", whose printed form it then rejects) and an
// empty or out-of-range port (it only checks that a port is digits).
func checkHost(u *url.URL) error {
	if back, err := url.Parse("http://" + u.Host); err != nil || back.Host != u.Host {
		return fmt.Errorf("host %q is not valid in a URL (an IPv6 address needs brackets)", u.Host)
	}
	if strings.HasSuffix(u.Host, ":") {
		return fmt.Errorf("empty port in %q", u.Host)
	}
	p := u.Port()
	if p == "" {
		return nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not in 1-65535", p)
	}
	return nil
}
