package hastore

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// ResolveDir turns a high-availability.storageDir value into a directory
// path. It accepts an absolute path ("/var/lib/flink/ha"), and file URLs
// with an empty or "localhost" host ("file:///var/lib/flink/ha",
// "file://localhost/var/lib/flink/ha", "file:/var/lib/flink/ha"), whose
// percent-escapes it decodes. A plain path is taken as is: "%" in it is not
// an escape.
//
// It refuses every other scheme (hdfs, s3, ...), naming it, and relative
// paths: under Marathon the working directory is a new sandbox on every
// restart, so a relative checkpoint directory would be forgotten.
func ResolveDir(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("hastore: storage directory is empty; give an absolute path or a file:/// URL")
	}
	if strings.HasPrefix(s, "/") {
		return filepath.Clean(s), nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("hastore: storage directory %q is neither an absolute path nor a file URL: %w", s, err)
	}
	switch {
	case u.Scheme == "":
		return "", fmt.Errorf("hastore: storage directory %q is relative; it must be absolute (/path or file:///path), since the working directory changes between restarts", s)
	case !strings.EqualFold(u.Scheme, "file"):
		return "", fmt.Errorf("hastore: storage directory %q has scheme %q; only local or mounted directories are supported (/path, file:///path)", s, u.Scheme)
	case u.Opaque != "":
		return "", fmt.Errorf("hastore: storage directory %q is a relative file URL; write file:///absolute/path", s)
	case u.User != nil || (u.Host != "" && !strings.EqualFold(u.Host, "localhost")):
		return "", fmt.Errorf("hastore: storage directory %q names host %q; a file URL must name a local path (file:///path)", s, u.Host)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("hastore: storage directory %q has a query or fragment; a file URL for a directory has neither", s)
	case !strings.HasPrefix(u.Path, "/"):
		return "", fmt.Errorf("hastore: storage directory %q has no path; write file:///absolute/path", s)
	}
	return filepath.Clean(u.Path), nil
}
