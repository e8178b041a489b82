package flinkconf

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// File names Load looks for, in this order (Flink 2 reads only config.yaml;
// Flink 1.19/1.20 prefer it over flink-conf.yaml).
const (
	ConfigYAMLName = "config.yaml"
	FlinkConfName  = "flink-conf.yaml"
)

// Sources that are not a file position.
const (
	SourceDynamic = "-D"
	SourceDefault = "default"
	SourceSet     = "set"
	SourceMap     = "map"
)

// maxFileSize bounds what Load reads: a Flink configuration is a few
// kilobytes, so anything near this is a wrong path, not a configuration.
const maxFileSize = 16 << 20

// KV is one -D override, in command-line order.
type KV struct{ Key, Value string }

type entry struct {
	value  string
	source string
	// list holds the elements of a config.yaml sequence value (whose value
	// is the YAML flow form Flink stores); nil for every other value.
	list []string
}

// Config is the flat key -> value map Flink itself works with, plus where
// each value came from. It is not safe for concurrent use: one goroutine
// loads it, then reads it or hands it on.
type Config struct {
	entries  map[string]entry
	file     string // name of the file Load read, "" if none
	warnings []Warning
}

// Load reads DIR/config.yaml (Flink 1.19+ standard YAML) or, if that does not
// exist, DIR/flink-conf.yaml (Flink's flat "key: value" format), then applies
// the overrides in order (the last one for a key wins). dir "" means no file:
// only the overrides. A directory with neither file is an error, as it is
// for Flink.
//
// Problems are reported as a *ValidationError (exit code 2) listing every
// file and -D problem found.
func Load(dir string, overrides []KV) (*Config, error) {
	c := newConfig()
	var probs []*KeyError
	if dir != "" {
		fileCfg, err := loadDir(dir)
		if err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				probs = append(probs, ve.Problems...)
			} else {
				return nil, err
			}
		} else {
			c = fileCfg
		}
	}
	for i, kv := range overrides {
		key := strings.TrimSpace(kv.Key)
		if key == "" {
			probs = append(probs, &KeyError{
				Value: kv.Value, HasValue: true, Source: fmt.Sprintf("-D #%d", i+1),
				Err: newProblem(ErrSyntax, "the key is empty"), Allowed: "-D key=value",
			})
			continue
		}
		c.entries[key] = entry{value: kv.Value, source: SourceDynamic}
	}
	if len(probs) > 0 {
		return nil, &ValidationError{Problems: probs}
	}
	return c, nil
}

// ResolveDir returns the configuration directory: dir if set, else
// $FLINK_CONF_DIR (getenv nil means os.Getenv), as Flink's scripts do.
func ResolveDir(dir string, getenv func(string) string) string {
	if dir != "" {
		return dir
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	return getenv("FLINK_CONF_DIR")
}

func loadDir(dir string) (*Config, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fileError(dir, "the configuration directory cannot be read", err)
	}
	if !st.IsDir() {
		return nil, fileError(dir, "the configuration directory is not a directory", nil)
	}
	for _, name := range []string{ConfigYAMLName, FlinkConfName} {
		path := filepath.Join(dir, name)
		data, err := readBounded(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if name == ConfigYAMLName {
			return ReadConfigYAML(data, name)
		}
		return ReadFlinkConf(data, name)
	}
	return nil, fileError(dir, fmt.Sprintf("neither %s nor %s exists in the configuration directory", ConfigYAMLName, FlinkConfName), fs.ErrNotExist)
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fileError(path, "cannot be read", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fileError(path, "cannot be read", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fileError(path, "is not a regular file", nil)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fileError(path, "cannot be read", err)
	}
	if len(data) > maxFileSize {
		return nil, fileError(path, fmt.Sprintf("is larger than %d bytes, too large for a configuration file", maxFileSize), nil)
	}
	return data, nil
}

func fileError(path, msg string, cause error) error {
	kind := ErrFile
	return &ValidationError{Problems: []*KeyError{{Source: path, Err: &problem{kind: kind, msg: withCause(msg, cause), cause: cause}}}}
}

func withCause(msg string, cause error) string {
	if cause == nil {
		return msg
	}
	var pe *fs.PathError
	if errors.As(cause, &pe) {
		return msg + ": " + pe.Err.Error()
	}
	return msg + ": " + cause.Error()
}

func newConfig() *Config { return &Config{entries: map[string]entry{}} }

// FromMap builds a Config from a flat map, for tests and tools. Every value's
// source is "map".
func FromMap(m map[string]string) *Config {
	c := newConfig()
	for k, v := range m {
		c.entries[k] = entry{value: v, source: SourceMap}
	}
	return c
}

// Get returns the raw value of key and whether it is set.
func (c *Config) Get(key string) (string, bool) {
	e, ok := c.entries[key]
	return e.value, ok
}

// Set sets key to value; its source becomes "set".
func (c *Config) Set(key, value string) {
	c.entries[key] = entry{value: value, source: SourceSet}
}

// Keys returns every set key, sorted.
func (c *Config) Keys() []string {
	return slices.Sorted(maps.Keys(c.entries))
}

// Source tells where key's value came from: "flink-conf.yaml:12",
// "config.yaml:3", "-D", "set", "map", or "default" for an unset key.
func (c *Config) Source(key string) string {
	if e, ok := c.entries[key]; ok {
		return e.source
	}
	return SourceDefault
}

// File returns the name of the file Load read ("config.yaml" or
// "flink-conf.yaml"), or "" if it read none.
func (c *Config) File() string { return c.file }

// Warnings returns what loading found worth logging but not fatal, such as
// lines Flink would skip or keys set twice.
func (c *Config) Warnings() []Warning { return slices.Clone(c.warnings) }

// PassThrough returns what the scheduler hands to every Flink process:
// every key that does not start with "mesos.", with its raw value untouched,
// including keys this package does not know and every high-availability.*
// key.
//
// All mesos.* keys are dropped: Flink itself never reads them once its Mesos
// module is gone, and they include the credentials (the framework secret and
// secret file, the scheduler HTTP token and token file, and ZooKeeper
// credentials inside mesos.master) that must not reach the tasks.
func (c *Config) PassThrough() map[string]string {
	out := make(map[string]string, len(c.entries))
	for k, e := range c.entries {
		if strings.HasPrefix(k, "mesos.") {
			continue
		}
		out[k] = e.value
	}
	return out
}
