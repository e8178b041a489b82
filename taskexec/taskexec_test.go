package taskexec_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/launchspec"
	"github.com/flink-mesos/flink-mesos/taskexec"
)

// fakeFlink writes a Flink distribution whose scripts record their
// arguments and environment into $MESOS_SANDBOX/record, then behave as the
// body says.
func fakeFlink(t *testing.T, body string, standardYAML bool) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "flink-1.13.6")
	for _, d := range []string{"bin", "conf"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := `#!/bin/sh
rec="$MESOS_SANDBOX/record"
printf '%s\n' "$@" > "$rec.args"
{ echo "FLINK_HOME=$FLINK_HOME"; echo "FLINK_CONF_DIR=$FLINK_CONF_DIR"; echo "FLINK_LOG_DIR=$FLINK_LOG_DIR"; echo "PWD=$(pwd)"; } > "$rec.env"
` + body + "\n"
	for _, s := range []string{"jobmanager.sh", "taskmanager.sh", "standalone-job.sh"} {
		if err := os.WriteFile(filepath.Join(home, "bin", s), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	confName := "flink-conf.yaml"
	if standardYAML {
		confName = "config.yaml"
	}
	os.WriteFile(filepath.Join(home, "conf", confName), []byte("jobmanager.rpc.address: localhost\n"), 0o644)
	os.WriteFile(filepath.Join(home, "conf", "log4j-console.properties"), []byte("rootLogger.level = INFO\n"), 0o644)
	return home
}

type env map[string]string

func (e env) get(k string) string { return e[k] }

// environ is the process environment the task executor would inherit.
func (e env) environ() []string {
	out := []string{"PATH=/usr/bin:/bin"}
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	return out
}

func run(t *testing.T, spec launchspec.Spec, e env, signals chan os.Signal) error {
	t.Helper()
	if signals == nil {
		signals = make(chan os.Signal)
	}
	return taskexec.Run(t.Context(), taskexec.Config{
		Args:    spec.Args(),
		Getenv:  e.get,
		Environ: e.environ(),
		Signals: signals,
	})
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func TestTaskManagerCommand(t *testing.T) {
	home := fakeFlink(t, "exit 0", false)
	sandbox := t.TempDir()
	os.MkdirAll(filepath.Join(sandbox, "flink-mesos"), 0o755)
	served := "taskmanager.numberOfTaskSlots: 2\nstate.backend: rocksdb\n"
	os.WriteFile(filepath.Join(sandbox, "flink-mesos", "flink-conf.yaml"), []byte(served), 0o644)

	spec := launchspec.Spec{
		Role: launchspec.TaskManager, Host: "agent-3.example.com", ConfigFile: "flink-mesos/flink-conf.yaml",
		Dynamic: []launchspec.KV{{Key: "taskmanager.rpc.port", Value: "31001"}, {Key: "jobmanager.rpc.address", Value: "agent-1"}},
	}
	err := run(t, spec, env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "flink-tm-3-1", "FLINK_HOME": home}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := readLines(t, filepath.Join(sandbox, "record.args"))
	want := []string{"start-foreground",
		"-D", "taskmanager.rpc.port=31001", "-D", "jobmanager.rpc.address=agent-1",
		"-D", "taskmanager.resource-id=flink-tm-3-1", "-D", "taskmanager.host=agent-3.example.com",
		"-D", "io.tmp.dirs=" + filepath.Join(sandbox, "tmp")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Flink got arguments\n%q\nwant\n%q", got, want)
	}
	envLines := strings.Join(readLines(t, filepath.Join(sandbox, "record.env")), "\n")
	for _, w := range []string{"FLINK_HOME=" + home, "FLINK_CONF_DIR=" + filepath.Join(sandbox, "flink-conf"),
		"FLINK_LOG_DIR=" + filepath.Join(sandbox, "log"), "PWD=" + sandbox} {
		if !strings.Contains(envLines, w) {
			t.Errorf("environment lacks %s:\n%s", w, envLines)
		}
	}
	conf, _ := os.ReadFile(filepath.Join(sandbox, "flink-conf", "flink-conf.yaml"))
	if string(conf) != "state.backend: rocksdb\ntaskmanager.numberOfTaskSlots: 2\n" {
		t.Errorf("flink-conf.yaml is %q", conf)
	}
	if _, err := os.Stat(filepath.Join(sandbox, "flink-conf", "log4j-console.properties")); err != nil {
		t.Errorf("log4j files not copied: %v", err)
	}
}

func TestStandardYAMLForNewFlink(t *testing.T) {
	home := fakeFlink(t, "exit 0", true)
	sandbox := t.TempDir()
	os.WriteFile(filepath.Join(sandbox, "config.yaml"), []byte("a.b: \"x # not a comment in -D\"\n"), 0o644)
	spec := launchspec.Spec{Role: launchspec.JobManager, Host: "h", ConfigFile: "config.yaml"}
	if err := run(t, spec, env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "jm", "FLINK_HOME": home}, nil); err != nil {
		t.Fatal(err)
	}
	conf, _ := os.ReadFile(filepath.Join(sandbox, "flink-conf", "config.yaml"))
	if !strings.Contains(string(conf), `"a.b": "x # not a comment in -D"`) {
		t.Fatalf("config.yaml is %q", conf)
	}
	if _, err := os.Stat(filepath.Join(sandbox, "flink-conf", "flink-conf.yaml")); err == nil {
		t.Fatal("flink-conf.yaml written for a distribution that reads config.yaml")
	}
	args := readLines(t, filepath.Join(sandbox, "record.args"))
	if !reflect.DeepEqual(args[:3], []string{"start-foreground", "-D", "jobmanager.rpc.address=h"}) {
		t.Fatalf("JobManager arguments %q", args)
	}
}

func TestValuesTheLegacyFileCannotHoldGoThroughD(t *testing.T) {
	home := fakeFlink(t, "exit 0", false)
	sandbox := t.TempDir()
	// Written in standard YAML so that the served configuration can carry them.
	os.WriteFile(filepath.Join(sandbox, "config.yaml"), []byte("env.java.opts: \"-Dx=#1\"\nplain: v\n"), 0o644)
	spec := launchspec.Spec{Role: launchspec.JobManager, Host: "h", ConfigFile: "config.yaml"}
	if err := run(t, spec, env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "jm", "FLINK_HOME": home}, nil); err != nil {
		t.Fatal(err)
	}
	args := strings.Join(readLines(t, filepath.Join(sandbox, "record.args")), "\n")
	if !strings.Contains(args, "env.java.opts=-Dx=#1") {
		t.Fatalf("a value with '#' must be passed with -D, got\n%s", args)
	}
	conf, _ := os.ReadFile(filepath.Join(sandbox, "flink-conf", "flink-conf.yaml"))
	if strings.Contains(string(conf), "#") || !strings.Contains(string(conf), "plain: v") {
		t.Fatalf("flink-conf.yaml is %q", conf)
	}
}

func TestFlinkHomeFromSandboxAndCustomCommand(t *testing.T) {
	sandbox := t.TempDir()
	home := filepath.Join(sandbox, "flink-2.0.0")
	os.MkdirAll(filepath.Join(home, "bin"), 0o755)
	os.WriteFile(filepath.Join(home, "bin", "run.sh"), []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$MESOS_SANDBOX/record.args\"\n"), 0o755)
	spec := launchspec.Spec{Role: launchspec.JobManager, Host: "h",
		Command: `$FLINK_HOME/bin/run.sh "two words" 'single $quoted'`, Bootstrap: "echo boot > boot.txt",
		Program: []string{"--job-classname", "com.Example"}}
	if err := run(t, spec, env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "jm"}, nil); err != nil {
		t.Fatal(err)
	}
	args := readLines(t, filepath.Join(sandbox, "record.args"))
	if args[0] != "two words" || args[1] != "single $quoted" || args[len(args)-2] != "--job-classname" {
		t.Fatalf("arguments %q", args)
	}
	if b, _ := os.ReadFile(filepath.Join(sandbox, "boot.txt")); string(b) != "boot\n" {
		t.Fatalf("bootstrap did not run in the sandbox: %q", b)
	}
}

func TestExitStatusAndErrors(t *testing.T) {
	home := fakeFlink(t, "exit 3", false)
	sandbox := t.TempDir()
	base := env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "t", "FLINK_HOME": home}
	tm := launchspec.Spec{Role: launchspec.TaskManager, Host: "h"}
	tests := []struct {
		name     string
		spec     launchspec.Spec
		env      env
		args     []string
		wantCode int
		wantMsg  string
	}{
		{"flink exit status", tm, base, nil, 3, "exited with status 3"},
		{"bootstrap failure", launchspec.Spec{Role: launchspec.TaskManager, Host: "h", Bootstrap: "exit 7"}, base, nil, 7, "bootstrap command"},
		{"no FLINK_HOME", tm, env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "t"}, nil, 2, "FLINK_HOME is not set"},
		{"custom command without FLINK_HOME runs", launchspec.Spec{Role: launchspec.TaskManager, Host: "h", Command: "/bin/sh -c 'exit 4' --"},
			env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "t"}, nil, 4, "exited with status 4"},
		{"FLINK_HOME without bin", tm, env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "t", "FLINK_HOME": sandbox}, nil, 2, "has no bin/ directory"},
		{"missing command", launchspec.Spec{Role: launchspec.TaskManager, Host: "h", Command: "$FLINK_HOME/bin/nope.sh"}, base, nil, 2, "does not exist"},
		{"relative command", launchspec.Spec{Role: launchspec.TaskManager, Host: "h", Command: "flink/bin/mesos-taskmanager.sh"}, base, nil, 2, "not an absolute path"},
		{"unterminated quote", launchspec.Spec{Role: launchspec.TaskManager, Host: "h", Command: "$FLINK_HOME/bin/taskmanager.sh 'x"}, base, nil, 2, "unterminated"},
		{"no task id", tm, env{"MESOS_SANDBOX": sandbox, "FLINK_HOME": home}, nil, 2, "neither MESOS_TASK_ID nor MESOS_EXECUTOR_ID is set"},
		{"bad spec", tm, base, []string{"--role", "x"}, 2, "--launchspec is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args == nil {
				args = tt.spec.Args()
			}
			err := taskexec.Run(t.Context(), taskexec.Config{Args: args, Getenv: tt.env.get, Environ: tt.env.environ()})
			var e *taskexec.Error
			if !errors.As(err, &e) || e.Code != tt.wantCode || !strings.Contains(e.Msg, tt.wantMsg) {
				t.Fatalf("got %v, want exit %d with %q", err, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

// A SIGTERM to the task executor reaches Flink, and Flink's own exit status
// (143 for a JVM) is the task's.
func TestSignalsAreForwarded(t *testing.T) {
	home := fakeFlink(t, `trap 'echo term > "$MESOS_SANDBOX/got-term"; exit 143' TERM
echo started > "$MESOS_SANDBOX/started"
while :; do sleep 0.05; done`, false)
	sandbox := t.TempDir()
	signals := make(chan os.Signal, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- run(t, launchspec.Spec{Role: launchspec.TaskManager, Host: "h"}, env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "t", "FLINK_HOME": home}, signals)
	}()
	waitFile(t, filepath.Join(sandbox, "started"))
	signals <- syscall.SIGTERM
	err := <-errc
	var e *taskexec.Error
	if !errors.As(err, &e) || e.Code != 143 {
		t.Fatalf("got %v, want exit status 143", err)
	}
	if _, err := os.Stat(filepath.Join(sandbox, "got-term")); err != nil {
		t.Fatal("Flink never saw SIGTERM")
	}
}

// A Flink process that ignores SIGTERM is killed by the second signal.
func TestSecondSignalKills(t *testing.T) {
	home := fakeFlink(t, `trap '' TERM
echo started > "$MESOS_SANDBOX/started"
while :; do sleep 0.05; done`, false)
	sandbox := t.TempDir()
	signals := make(chan os.Signal, 2)
	errc := make(chan error, 1)
	go func() {
		errc <- run(t, launchspec.Spec{Role: launchspec.TaskManager, Host: "h"}, env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "t", "FLINK_HOME": home}, signals)
	}()
	waitFile(t, filepath.Join(sandbox, "started"))
	signals <- syscall.SIGTERM
	time.Sleep(100 * time.Millisecond) // let the trap swallow it
	signals <- syscall.SIGTERM
	select {
	case err := <-errc:
		var e *taskexec.Error
		if !errors.As(err, &e) || e.Code != 128+int(syscall.SIGKILL) {
			t.Fatalf("got %v, want death by SIGKILL", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal did not end Flink")
	}
}

func TestContextCancelStopsFlink(t *testing.T) {
	home := fakeFlink(t, `echo started > "$MESOS_SANDBOX/started"; exec sleep 60`, false)
	sandbox := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		e := env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "t", "FLINK_HOME": home}
		errc <- taskexec.Run(ctx, taskexec.Config{Args: launchspec.Spec{Role: launchspec.TaskManager, Host: "h"}.Args(),
			Getenv: e.get, Environ: e.environ()})
	}()
	waitFile(t, filepath.Join(sandbox, "started"))
	cancel()
	var e *taskexec.Error
	if err := <-errc; !errors.As(err, &e) || e.Code != 128+int(syscall.SIGTERM) {
		t.Fatalf("got %v, want death by SIGTERM", err)
	}
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
}

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a b  c", []string{"a", "b", "c"}},
		{`a "b c" 'd e'`, []string{"a", "b c", "d e"}},
		{`a\ b "q\"x" "\n"`, []string{"a b", `q"x`, `\n`}},
		{`'$X' ""`, []string{"$X", ""}},
		{"", nil},
		{`$A "${B}x" '$C' \$D $ $1`, []string{"<A>", "<B>x", "$C", "$D", "$", "$1"}},
	}
	for _, tt := range tests {
		got, err := taskexec.SplitCommand(tt.in, func(n string) string { return "<" + n + ">" })
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzSplitCommand(f *testing.F) {
	for _, s := range []string{`a "b c" 'd'`, `\`, `"unterminated`, `x\ y`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := taskexec.SplitCommand(s, nil)
		if err != nil {
			return
		}
		// Re-quoting every word in single quotes must give the same words.
		var b strings.Builder
		for _, w := range words {
			b.WriteString("'" + strings.ReplaceAll(w, "'", `'\''`) + "' ")
		}
		again, err := taskexec.SplitCommand(b.String(), nil)
		if err != nil || !reflect.DeepEqual(again, words) {
			t.Fatalf("%q -> %q -> %q, %v", s, words, again, err)
		}
	})
}

// Jars fetched into the sandbox's usrlib/ show up in $FLINK_HOME/usrlib of
// a Flink directory that itself stays untouched.
func TestFetchedJarsJoinUsrlib(t *testing.T) {
	home := fakeFlink(t, `ls "$FLINK_HOME/usrlib" > "$MESOS_SANDBOX/usrlib.txt"; ls "$FLINK_HOME/lib" > "$MESOS_SANDBOX/lib.txt"`, false)
	os.MkdirAll(filepath.Join(home, "usrlib"), 0o755)
	os.WriteFile(filepath.Join(home, "usrlib", "shipped.jar"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(home, "lib"), 0o755)
	os.WriteFile(filepath.Join(home, "lib", "flink-dist.jar"), []byte("x"), 0o644)
	os.Chmod(home, 0o555) // read-only, as in an image
	t.Cleanup(func() { os.Chmod(home, 0o755) })
	sandbox := t.TempDir()
	os.MkdirAll(filepath.Join(sandbox, "usrlib"), 0o755)
	os.WriteFile(filepath.Join(sandbox, "usrlib", "job.jar"), []byte("x"), 0o644)
	spec := launchspec.Spec{Role: launchspec.JobManager, Host: "h"}
	if err := run(t, spec, env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "jm", "FLINK_HOME": home}, nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(readLines(t, filepath.Join(sandbox, "usrlib.txt")), ","); got != "job.jar,shipped.jar" {
		t.Fatalf("usrlib holds %q", got)
	}
	if got := strings.Join(readLines(t, filepath.Join(sandbox, "lib.txt")), ","); got != "flink-dist.jar" {
		t.Fatalf("lib holds %q", got)
	}
	envLines := strings.Join(readLines(t, filepath.Join(sandbox, "record.env")), "\n")
	if !strings.Contains(envLines, "FLINK_HOME="+filepath.Join(sandbox, "flink-home")) {
		t.Fatalf("FLINK_HOME is not the overlay:\n%s", envLines)
	}
}
