package launchspec_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/launchspec"
)

func TestRoundTrip(t *testing.T) {
	specs := []launchspec.Spec{
		{Role: launchspec.TaskManager, Host: "agent-1"},
		{
			Role: launchspec.JobManager, Host: "10.0.0.7",
			Command:    "$FLINK_HOME/bin/standalone-job.sh start-foreground",
			Bootstrap:  "ulimit -n 65536 && echo 'quoted; stuff' > /dev/null",
			FlinkHome:  "/opt/flink 2.0",
			ConfigFile: "flink-mesos/flink-conf.yaml",
			Dynamic: []launchspec.KV{
				{"jobmanager.rpc.port", "31001"}, {"env.java.opts", "-Da=b -Dc=\"d e\""}, {"empty", ""}, {"k", "v=w"},
			},
			Program: []string{"--job-classname", "com.example.Job", "--", "-D", "--input", "a b"},
		},
	}
	for _, want := range specs {
		got, err := launchspec.Parse(want.Args())
		if err != nil {
			t.Fatalf("Parse(%q): %v", want.Args(), err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip\n got %+v\nwant %+v", got, want)
		}
		ci := want.CommandInfo("./flink-mesos-taskexecutor", nil, nil, "")
		if ci.GetShell() || ci.GetArguments()[0] != launchspec.Argv0 {
			t.Fatalf("CommandInfo must run without a shell with argv0 %s: %v", launchspec.Argv0, ci)
		}
		back, err := launchspec.FromCommandInfo(ci)
		if err != nil || !reflect.DeepEqual(back, want) {
			t.Fatalf("FromCommandInfo: %+v, %v", back, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing", nil, "--launchspec is missing"},
		{"future version", []string{"--launchspec", "2", "--role", "taskmanager", "--host", "h"}, "format version 2 is not supported"},
		{"no role", []string{"--launchspec", "1", "--host", "h"}, "role is missing"},
		{"bad role", []string{"--launchspec", "1", "--role", "worker", "--host", "h"}, `role "worker" is unknown`},
		{"no host", []string{"--launchspec", "1", "--role", "jobmanager"}, "host is missing"},
		{"unknown flag", []string{"--launchspec", "1", "--frobnicate", "x"}, `unknown argument "--frobnicate"`},
		{"missing value", []string{"--launchspec", "1", "--role"}, "--role needs a value"},
		{"bad -D", []string{"--launchspec", "1", "--role", "jobmanager", "--host", "h", "-D", "novalue"}, `-D "novalue" is not key=value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := launchspec.Parse(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestShellCommandIsRefused(t *testing.T) {
	spec := launchspec.Spec{Role: launchspec.TaskManager, Host: "h"}
	ci := spec.CommandInfo("x", nil, nil, "")
	ci.Shell = nil // proto default is true
	if _, err := launchspec.FromCommandInfo(ci); err == nil {
		t.Fatal("a shell command was accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("--launchspec\x001\x00--role\x00taskmanager\x00--host\x00h\x00-D\x00a=b\x00--\x00x")
	f.Add("--launchspec\x001\x00--role\x00jobmanager")
	f.Fuzz(func(t *testing.T, joined string) {
		s, err := launchspec.Parse(strings.Split(joined, "\x00"))
		if err != nil {
			return
		}
		again, err := launchspec.Parse(s.Args())
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("re-encoding %+v gave %+v, %v", s, again, err)
		}
	})
}
