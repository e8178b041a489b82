// Package version reports the version of the running binary: the string
// build.sh stamps in with -ldflags, or else what the Go toolchain recorded
// about the module and VCS revision.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is set at link time by build.sh:
//
//	-ldflags "-X github.com/flink-mesos/flink-mesos/internal/version.Version=v1.2.3"
var Version = ""

// String returns the version, falling back to the module version or VCS
// revision recorded in the binary, and finally to "devel".
func String() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		return "devel-" + rev + dirty
	}
	return "devel"
}

// Line is what --version prints: program, version and Go runtime.
func Line(program string) string {
	return fmt.Sprintf("%s %s (%s, %s/%s)", program, String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
