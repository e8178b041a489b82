package taskexec

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/flink-mesos/flink-mesos/flinkconf"
	"github.com/flink-mesos/flink-mesos/launchspec"
)

// writeConfDir builds FLINK_CONF_DIR: the distribution's conf files except
// its configuration, plus served written in the format the distribution
// reads. Values the legacy format cannot carry come back as -D overrides,
// except those of secret keys, which are an error: a secret never goes on
// a command line. With a secret in it the file is readable by the task's
// user only.
func writeConfDir(confDir, distConf string, served map[string]string, secret map[string]bool) ([]launchspec.KV, error) {
	if err := os.RemoveAll(confDir); err != nil {
		return nil, err
	}
	err := os.MkdirAll(confDir, 0o755)
	if err != nil {
		return nil, err
	}
	var entries []os.DirEntry
	if distConf != "" {
		entries, err = os.ReadDir(distConf)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	standard := false
	for _, e := range entries {
		switch e.Name() {
		case "config.yaml":
			standard = true
			continue
		case "flink-conf.yaml":
			continue
		}
		if !e.Type().IsRegular() {
			continue
		}
		if err := copyFile(filepath.Join(distConf, e.Name()), filepath.Join(confDir, e.Name())); err != nil {
			return nil, err
		}
	}
	perm := os.FileMode(0o644)
	if len(secret) > 0 {
		perm = 0o600
	}
	if standard {
		return nil, writeFile(filepath.Join(confDir, "config.yaml"), perm, func(w io.Writer) error { return flinkconf.WriteConfigYAML(w, served) })
	}
	var extra []launchspec.KV
	legacy := map[string]string{}
	for _, k := range sortedKeys(served) {
		v := served[k]
		switch {
		case legacyCanHold(k, v):
			legacy[k] = v
		case secret[k]:
			return nil, fmt.Errorf("the value of %s cannot be written to flink-conf.yaml (it is empty, holds '#' or a line break, or starts or ends with a space) and a secret never goes on a command line: change the value, or use Flink 1.19 or later, whose config.yaml holds any value", k)
		default:
			extra = append(extra, launchspec.KV{Key: k, Value: v})
		}
	}
	return extra, writeFile(filepath.Join(confDir, "flink-conf.yaml"), perm, func(w io.Writer) error { return flinkconf.WriteFlinkConf(w, legacy) })
}

// legacyCanHold: Flink reads flink-conf.yaml line by line, cuts each line at
// the first '#', splits at the first ": " and trims both sides, so an empty
// value, or one with '#', a line break or outer spaces, cannot survive the
// file (flinkconf.WriteFlinkConf refuses them); those go through -D.
func legacyCanHold(k, v string) bool {
	if k == "" || strings.ContainsAny(k, "#\r\n") || strings.Contains(k, ": ") || strings.TrimSpace(k) != k {
		return false
	}
	return v != "" && !strings.ContainsAny(v, "#\r\n") && strings.TrimSpace(v) == v
}

// writeFile writes a new file; writeConfDir has emptied the directory, so
// perm applies (less the umask).
func writeFile(path string, perm os.FileMode, fill func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := fill(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
