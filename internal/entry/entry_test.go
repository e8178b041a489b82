package entry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

var testProgram = Program{
	Name:      "prog",
	Summary:   "Does things.",
	Flags:     []Flag{{Names: []string{"--job-classname", "-j"}, Arg: "CLASS", Usage: "main class"}, {Names: []string{"--detached"}, Usage: "switch"}},
	AllowArgs: true,
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want Options
	}{
		{"empty", nil, Options{Values: map[string]string{}}},
		{"config dir forms", []string{"--configDir", "a", "--configDir=b"}, Options{ConfigDir: "b", Values: map[string]string{}}},
		{"short config dir", []string{"-c", "conf"}, Options{ConfigDir: "conf", Values: map[string]string{}}},
		{"dynamic both forms, order kept", []string{"-Da=1", "-D", "b=x=y", "-Da=2", "-Dflag"},
			Options{Dynamic: []KV{{"a", "1"}, {"b", "x=y"}, {"a", "2"}, {"flag", "true"}}, Values: map[string]string{}}},
		{"program flags", []string{"-j", "com.Main", "--detached"}, Options{Values: map[string]string{"--job-classname": "com.Main", "--detached": "true"}}},
		{"positional ends options", []string{"--log-format", "json", "input", "--foo", "-Dx=1"},
			Options{LogFormat: "json", Values: map[string]string{}, Args: []string{"input", "--foo", "-Dx=1"}}},
		{"double dash", []string{"--", "--foo"}, Options{Values: map[string]string{}, Args: []string{"--foo"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, _, err := Parse(testProgram, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse(%q)\n got %+v\nwant %+v", tt.args, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	noArgs := testProgram
	noArgs.AllowArgs = false
	tests := []struct {
		name    string
		p       Program
		args    []string
		wantMsg string
	}{
		{"unknown with suggestion", testProgram, []string{"--confDir", "x"}, "did you mean --configDir?"},
		{"missing value", testProgram, []string{"--configDir"}, "needs a value"},
		{"missing -D value", testProgram, []string{"-D"}, "-D needs key=value"},
		{"empty key", testProgram, []string{"-D=1"}, "the key is empty"},
		{"switch with value", testProgram, []string{"--detached=yes"}, "takes no value"},
		{"bad log format", testProgram, []string{"--log-format", "xml"}, "allowed values are text and json"},
		{"positional refused", noArgs, []string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := Parse(tt.p, tt.args)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want a UsageError", err)
			}
			if got := ue.Msg + " " + ue.Hint; !strings.Contains(got, tt.wantMsg) {
				t.Fatalf("got %q, want it to contain %q", got, tt.wantMsg)
			}
		})
	}
}

type codeErr struct{}

func (codeErr) Error() string { return "bad config" }
func (codeErr) ExitCode() int { return 2 }

func TestExecuteExitCodes(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		runErr  error
		env     map[string]string
		want    int
		wantOut string
		wantErr string
	}{
		{"ok", nil, nil, nil, 0, "", ""},
		{"help", []string{"--help"}, errors.New("not run"), nil, 0, "Usage: prog [options]", ""},
		{"version", []string{"--version"}, errors.New("not run"), nil, 0, "prog ", ""},
		{"usage error", []string{"--nope"}, nil, nil, 2, "", "unknown option"},
		{"runtime error", nil, errors.New("boom"), nil, 1, "", "prog: boom"},
		{"config error", nil, fmt.Errorf("load: %w", codeErr{}), nil, 2, "", "bad config"},
		{"job result", nil, &ExitError{Code: 1}, nil, 1, "", ""},
		{"canceled is clean", nil, context.Canceled, nil, 0, "", ""},
		{"bad LOG_LEVEL", nil, nil, map[string]string{"LOG_LEVEL": "loud"}, 2, "", "LOG_LEVEL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testProgram
			p.Run = func(ctx context.Context, env *Env) error { return tt.runErr }
			var out, errb bytes.Buffer
			got := Execute(t.Context(), p, tt.args, &out, &errb, func(k string) string { return tt.env[k] })
			if got != tt.want {
				t.Fatalf("exit code %d, want %d (stderr %q)", got, tt.want, errb.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) || !strings.Contains(errb.String(), tt.wantErr) {
				t.Fatalf("stdout %q stderr %q, want %q / %q", out.String(), errb.String(), tt.wantOut, tt.wantErr)
			}
		})
	}
}

func TestConfigDirFallsBackToEnvironment(t *testing.T) {
	var got string
	p := testProgram
	p.Run = func(ctx context.Context, env *Env) error { got = env.ConfigDir; return nil }
	getenv := func(k string) string {
		if k == "FLINK_CONF_DIR" {
			return "/etc/flink"
		}
		return ""
	}
	Execute(t.Context(), p, nil, &bytes.Buffer{}, &bytes.Buffer{}, getenv)
	if got != "/etc/flink" {
		t.Fatalf("ConfigDir %q, want $FLINK_CONF_DIR", got)
	}
	Execute(t.Context(), p, []string{"--configDir", "mine"}, &bytes.Buffer{}, &bytes.Buffer{}, getenv)
	if got != "mine" {
		t.Fatalf("ConfigDir %q, want the flag to win over the environment", got)
	}
}

// TestUsageListsEveryOption: --help names every option of the program and
// the common ones, and points to the configuration reference.
func TestUsageListsEveryOption(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(fmt.Sprintf("RawArgs=%v", raw), func(t *testing.T) {
			p := testProgram
			p.RawArgs = raw
			var b bytes.Buffer
			Usage(&b, p)
			out := b.String()
			want := []string{"--help", "--version", ConfigReference}
			if !raw {
				for _, f := range append(append([]Flag{}, p.Flags...), commonFlags...) {
					want = append(want, strings.Join(f.Names, ", "))
				}
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("--help lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestConfigReferenceExists: the section --help points to is in README.md.
func TestConfigReferenceExists(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\n## Configuration\n") || !strings.Contains(string(b), "BEGIN generated configuration reference") {
		t.Fatalf("README.md has no generated Configuration section, which --help names: %q", ConfigReference)
	}
}
