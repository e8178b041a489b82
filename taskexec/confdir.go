package taskexec

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/flink-mesos/flink-mesos/launchspec"
)

// writeConfDir builds FLINK_CONF_DIR: the distribution's conf files except
// its configuration, plus served written in the format the distribution
// reads. Values the legacy format cannot carry come back as -D overrides.
func writeConfDir(confDir, distConf string, served map[string]string) ([]launchspec.KV, error) {
	if err := os.RemoveAll(confDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(distConf)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
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
	if standard {
		return nil, writeFile(filepath.Join(confDir, "config.yaml"), func(w io.Writer) error { return writeStandardYAML(w, served) })
	}
	var extra []launchspec.KV
	legacy := map[string]string{}
	for _, k := range sortedKeys(served) {
		if v := served[k]; legacyCanHold(k, v) {
			legacy[k] = v
		} else {
			extra = append(extra, launchspec.KV{Key: k, Value: v})
		}
	}
	return extra, writeFile(filepath.Join(confDir, "flink-conf.yaml"), func(w io.Writer) error { return writeLegacy(w, legacy) })
}

// legacyCanHold: Flink reads flink-conf.yaml line by line, cuts each line at
// the first '#', splits at the first ": " and trims both sides, so a value
// with '#', a line break or outer spaces cannot survive the file.
func legacyCanHold(k, v string) bool {
	if strings.ContainsAny(k, "#\r\n") || strings.Contains(k, ": ") || strings.TrimSpace(k) != k {
		return false
	}
	return !strings.ContainsAny(v, "#\r\n") && strings.TrimSpace(v) == v
}

func writeLegacy(w io.Writer, m map[string]string) error {
	for _, k := range sortedKeys(m) {
		if _, err := fmt.Fprintf(w, "%s: %s\n", k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// writeStandardYAML writes one flat "key": "value" pair per line. A JSON
// string is a valid YAML 1.2 double-quoted scalar, and Flink 1.19+ accepts
// dotted keys at the top level as well as nested maps.
func writeStandardYAML(w io.Writer, m map[string]string) error {
	for _, k := range sortedKeys(m) {
		kq, _ := json.Marshal(k)
		vq, _ := json.Marshal(m[k])
		if _, err := fmt.Fprintf(w, "%s: %s\n", kq, vq); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, fill func(io.Writer) error) error {
	f, err := os.Create(path)
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
