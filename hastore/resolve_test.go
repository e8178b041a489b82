package hastore_test

import (
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/hastore"
)

func TestResolveDir(t *testing.T) {
	tests := []struct {
		name, in, want, wantErr string
	}{
		{name: "absolute path", in: "/var/lib/flink/ha", want: "/var/lib/flink/ha"},
		{name: "path is cleaned", in: "/var/lib//flink/./ha/", want: "/var/lib/flink/ha"},
		{name: "percent in a path is literal", in: "/data/50%/ha", want: "/data/50%/ha"},
		{name: "file URL", in: "file:///var/lib/flink/ha", want: "/var/lib/flink/ha"},
		{name: "file URL, one slash", in: "file:/var/lib/flink/ha", want: "/var/lib/flink/ha"},
		{name: "file URL, localhost", in: "file://localhost/var/lib/flink/ha", want: "/var/lib/flink/ha"},
		{name: "file URL, upper-case scheme", in: "FILE:///ha", want: "/ha"},
		{name: "file URL with escapes", in: "file:///mnt/flink%20ha/%C3%BC", want: "/mnt/flink ha/ü"},
		{name: "empty", in: "", wantErr: "empty"},
		{name: "relative path", in: "data/ha", wantErr: "relative"},
		{name: "dot path", in: "./ha", wantErr: "relative"},
		{name: "hdfs", in: "hdfs://namenode:8020/flink/ha", wantErr: `scheme "hdfs"`},
		{name: "s3", in: "s3://bucket/flink/ha", wantErr: `scheme "s3"`},
		{name: "zookeeper", in: "zk://zk1:2181/flink", wantErr: `scheme "zk"`},
		{name: "remote host", in: "file://nfs-server/export/ha", wantErr: `host "nfs-server"`},
		{name: "user info", in: "file://bob@/ha", wantErr: "local path"},
		{name: "relative file URL", in: "file:ha", wantErr: "relative file URL"},
		{name: "file URL without a path", in: "file://", wantErr: "no path"},
		{name: "query", in: "file:///ha?x=1", wantErr: "query"},
		{name: "fragment", in: "file:///ha#x", wantErr: "fragment"},
		{name: "bad escape", in: "file:///ha%zz", wantErr: "neither an absolute path nor a file URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := hastore.ResolveDir(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ResolveDir(%q) = %q, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ResolveDir(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// FuzzResolveDir: ResolveDir never panics, and what it returns is a clean
// absolute path that resolves to itself.
func FuzzResolveDir(f *testing.F) {
	for _, s := range []string{"/a", "file:///a", "file:/a", "file://localhost/a", "hdfs://x/a", "a/b", "file:a", "file:///a%2Fb", "/a/../..", "file://%zz/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := hastore.ResolveDir(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "/") {
			t.Fatalf("ResolveDir(%q) = %q, not absolute", s, got)
		}
		again, err := hastore.ResolveDir(got)
		if err != nil || again != got {
			t.Fatalf("ResolveDir(%q) = %q, but ResolveDir(%q) = %q, %v", s, got, got, again, err)
		}
	})
}
