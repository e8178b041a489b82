package localmesos_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func zipOf(t *testing.T, name, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(body))
	zw.Close()
	return buf.Bytes()
}

func gz(body string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(body))
	zw.Close()
	return buf.Bytes()
}

func uri(value string, mod ...func(*mesospb.CommandInfo_URI)) *mesospb.CommandInfo_URI {
	u := &mesospb.CommandInfo_URI{Value: proto.String(value)}
	for _, f := range mod {
		f(u)
	}
	return u
}

// CommandInfo URIs are fetched into the sandbox before the command runs,
// as the mesos-fetcher does (src/launcher/fetcher.cpp).
func TestFetchURIs(t *testing.T) {
	files := map[string][]byte{
		"/flink.tgz":     tarGz(t, map[string]string{"flink/bin/start.sh": "#!/bin/sh\necho started\n"}),
		"/conf.zip":      zipOf(t, "conf/flink-conf.yaml", "a: b\n"),
		"/notes.txt.gz":  gz("hello\n"),
		"/run":           []byte("#!/bin/sh\nexit 0\n"),
		"/keep.tar.gz":   tarGz(t, map[string]string{"inside": "x"}),
		"/data?v=1":      []byte("query"),
		"/plain.bin":     []byte("plain"),
		"/renamed.input": []byte("renamed"),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.RequestURI()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	local := filepath.Join(t.TempDir(), "local.txt")
	os.WriteFile(local, []byte("local"), 0o644)
	cmd := sh(`flink/bin/start.sh && ./run && [ -f inside ] || exit 9; ls > listing; touch done`)
	cmd.Uris = []*mesospb.CommandInfo_URI{
		uri(srv.URL + "/flink.tgz"),
		uri(srv.URL + "/conf.zip"),
		uri(srv.URL + "/notes.txt.gz"),
		uri(srv.URL+"/run", func(u *mesospb.CommandInfo_URI) { u.Executable = proto.Bool(true) }),
		uri(srv.URL+"/keep.tar.gz", func(u *mesospb.CommandInfo_URI) { u.Extract = proto.Bool(true) }),
		uri(srv.URL+"/plain.bin", func(u *mesospb.CommandInfo_URI) { u.Extract = proto.Bool(false) }),
		uri(srv.URL+"/renamed.input", func(u *mesospb.CommandInfo_URI) { u.OutputFile = proto.String("sub/dir/renamed.out") }),
		uri("file://" + local),
		uri(local, func(u *mesospb.CommandInfo_URI) { u.OutputFile = proto.String("plain-path.txt") }),
	}
	m, _, s := start(t, processAgents(1), frameworkInfo())
	tk := runTask(t, m, s, "f1", cmd)
	st := s.updateAck(mesospb.TaskState_TASK_FINISHED)
	if st.GetMessage() != "Command exited with status 0" {
		t.Fatalf("got %v; stderr: %s", st, readFile(t, filepath.Join(tk.Sandbox, "stderr")))
	}
	checks := map[string]string{
		"flink/bin/start.sh":   "#!/bin/sh\necho started\n",
		"conf/flink-conf.yaml": "a: b\n",
		"notes.txt":            "hello\n",
		"plain.bin":            "plain",
		"sub/dir/renamed.out":  "renamed",
		"local.txt":            "local",
		"plain-path.txt":       "local",
		"stdout":               "started\n",
	}
	for name, want := range checks {
		if got := readFile(t, filepath.Join(tk.Sandbox, name)); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// The archives stay next to what they held.
	for _, name := range []string{"flink.tgz", "conf.zip", "keep.tar.gz", "notes.txt.gz"} {
		if _, err := os.Stat(filepath.Join(tk.Sandbox, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(tk.Sandbox, "run")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("executable URI: %v %v, want mode 0755", fi, err)
	}
}

func TestFetchFailures(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	slow := make(chan struct{})
	slowSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-slow:
		case <-r.Context().Done():
		}
	}))
	defer slowSrv.Close()
	defer close(slow)
	txz := filepath.Join(t.TempDir(), "x.txz")
	os.WriteFile(txz, []byte("not really"), 0o644)
	tests := []struct {
		name   string
		uri    *mesospb.CommandInfo_URI
		msg    string // "" means the fetch-failure message with the container ID
		stderr string
	}{
		{"404", uri(srv.URL + "/missing.tgz"), "", "Error downloading resource, received HTTP return code 404"},
		{"relative path", uri("relative/file"), "", "A relative path was passed for the resource but the Mesos framework home was not specified"},
		{"file URI not absolute", uri("file://relative/x.txt"), "", "File URI only supports absolute paths"},
		{"file URI without a path", uri("file://relative"), "Failed to launch container: Could not fetch: Malformed URI (missing path): file://relative", ""},
		{"unknown scheme", uri("hdfs://nn/x.jar"), "", "Failed to create HDFS client"},
		{"xz", uri(txz), "", "xz archives are not supported by localmesos"},
		{"illegal characters", uri("http://h/a'b"), "Failed to launch container: Could not fetch: Illegal characters in URI", ""},
		{"missing path", uri("http://host"), "Failed to launch container: Could not fetch: Malformed URI (missing path): http://host", ""},
		{"absolute output file", uri(srv.URL+"/x", func(u *mesospb.CommandInfo_URI) { u.OutputFile = proto.String("/etc/x") }),
			"Failed to launch container: Could not fetch: URI output file must be within the sandbox directory", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, s := start(t, processAgents(1), frameworkInfo())
			cmd := sh("touch ran")
			cmd.Uris = []*mesospb.CommandInfo_URI{tt.uri}
			s.launch(s.offers()[0], "t1", "cpus:1;mem:64", cmd)
			st := s.updateAck(mesospb.TaskState_TASK_FAILED)
			tk := m.Tasks()[0]
			want := tt.msg
			if want == "" {
				want = "Failed to launch container: Failed to fetch all URIs for container '" + filepath.Base(tk.Sandbox) + "': exited with status 1"
			}
			if st.GetMessage() != want || st.GetReason() != mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED || st.GetSource() != mesospb.TaskStatus_SOURCE_AGENT {
				t.Errorf("got %v\nwant %q", st, want)
			}
			if tt.stderr != "" && !strings.Contains(readFile(t, filepath.Join(tk.Sandbox, "stderr")), tt.stderr) {
				t.Errorf("sandbox stderr %q lacks %q", readFile(t, filepath.Join(tk.Sandbox, "stderr")), tt.stderr)
			}
			if _, err := os.Stat(filepath.Join(tk.Sandbox, "ran")); err == nil {
				t.Errorf("the command ran after a failed fetch")
			}
		})
	}
	// A kill while fetching: TASK_KILLED before delivery to the executor.
	t.Run("killed while fetching", func(t *testing.T) {
		_, _, s := start(t, processAgents(1), frameworkInfo(mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE))
		cmd := sh("touch ran")
		cmd.Uris = []*mesospb.CommandInfo_URI{uri(slowSrv.URL + "/big.tgz")}
		s.launch(s.offers()[0], "t1", "cpus:1;mem:64", cmd)
		time.Sleep(50 * time.Millisecond)
		s.mustSend(killCall("t1"))
		st := s.updateAck(mesospb.TaskState_TASK_KILLED)
		if st.GetReason() != mesospb.TaskStatus_REASON_TASK_KILLED_DURING_LAUNCH || st.GetMessage() != "Killed before delivery to the executor" ||
			st.GetSource() != mesospb.TaskStatus_SOURCE_AGENT {
			t.Errorf("got %v", st)
		}
	})
}
