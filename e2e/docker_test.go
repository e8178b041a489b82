package e2e_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// No Docker engine runs here, so the images are checked by reading their
// Dockerfiles: every file copied into an image is one build.sh produces
// (or the CA bundle of a build stage), and every entry point is a file the
// image has.

// dockerInstr is one Dockerfile instruction, continuation lines joined.
type dockerInstr struct {
	Op   string // upper case
	Args string
	Line int
}

func parseDockerfile(text string) ([]dockerInstr, error) {
	var out []dockerInstr
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if cont, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(trimmed)
		op, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, dockerInstr{Op: strings.ToUpper(op), Args: strings.TrimSpace(args), Line: start})
		cur.Reset()
	}
	if cur.Len() != 0 {
		return nil, fmt.Errorf("line %d: a continuation runs off the end", start)
	}
	return out, nil
}

// buildOutputs reads build.sh for the files it writes: its loop over the
// commands and the -o path each one is built to.
func buildOutputs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../build.sh")
	if err != nil {
		t.Fatal(err)
	}
	loop := regexp.MustCompile(`for cmd in ([a-z ]+); do`).FindSubmatch(b)
	out := regexp.MustCompile(`-o "(bin/[^"$]*)\$cmd"`).FindSubmatch(b)
	if loop == nil || out == nil {
		t.Fatalf("build.sh no longer has the 'for cmd in ...' loop with -o \"bin/...$cmd\" this test reads")
	}
	var files []string
	for _, cmd := range strings.Fields(string(loop[1])) {
		files = append(files, string(out[1])+cmd)
		// The e2e binaries are built from the same commands under the same
		// names, so each output names a real command.
		if _, err := os.Stat(filepath.Join(binDir, filepath.Base(string(out[1])+cmd))); err != nil {
			t.Errorf("build.sh builds %s, which the e2e build does not have: %v", cmd, err)
		}
	}
	return files
}

// The only file a build stage may hand to an image: the CA bundle.
const caBundle = "/etc/ssl/certs/ca-certificates.crt"

// checkDockerfile returns the entry point of the final image and the
// problems found.
func checkDockerfile(text string, outputs []string) (entrypoint string, finalBase string, problems []string) {
	instrs, err := parseDockerfile(text)
	if err != nil {
		return "", "", []string{err.Error()}
	}
	stages := map[string]bool{}
	args := map[string]string{}
	stage := -1
	var copied []string // destinations in the final stage
	for _, in := range instrs {
		if in.Op == "ARG" && stage == -1 { // an ARG before the first FROM may name the base image
			k, v, _ := strings.Cut(in.Args, "=")
			args[k] = v
		}
		if in.Op == "FROM" {
			stage++
			f := strings.Fields(in.Args)
			finalBase = f[0]
			if strings.HasPrefix(finalBase, "${") {
				finalBase = args[strings.Trim(finalBase, "${}")]
			}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				stages[f[2]] = true
			}
			copied = nil
		}
	}
	last := stage
	stage = -1
	for _, in := range instrs {
		switch in.Op {
		case "ARG":
			k, v, _ := strings.Cut(in.Args, "=")
			args[k] = v
		case "FROM":
			stage++
		case "ADD":
			problems = append(problems, fmt.Sprintf("line %d: ADD (use COPY of what build.sh makes)", in.Line))
		case "RUN":
			if stage == last {
				problems = append(problems, fmt.Sprintf("line %d: RUN in the final image", in.Line))
			}
		case "COPY":
			if stage != last {
				continue
			}
			f := strings.Fields(in.Args)
			from := ""
			for len(f) > 0 && strings.HasPrefix(f[0], "--") {
				if v, ok := strings.CutPrefix(f[0], "--from="); ok {
					from = v
				} else {
					problems = append(problems, fmt.Sprintf("line %d: COPY option %s", in.Line, f[0]))
				}
				f = f[1:]
			}
			if len(f) != 2 {
				problems = append(problems, fmt.Sprintf("line %d: COPY with %d paths, want one source and one destination", in.Line, len(f)))
				continue
			}
			src, dst := f[0], f[1]
			switch {
			case from != "" && !stages[from]:
				problems = append(problems, fmt.Sprintf("line %d: COPY --from=%s, not a stage of this file", in.Line, from))
			case from != "" && src != caBundle:
				problems = append(problems, fmt.Sprintf("line %d: COPY --from=%s %s: only %s may come from a build stage", in.Line, from, src, caBundle))
			case from == "" && !slices.Contains(outputs, src):
				problems = append(problems, fmt.Sprintf("line %d: COPY %s: not one of build.sh's outputs %v", in.Line, src, outputs))
			}
			if strings.HasSuffix(dst, "/") {
				dst += filepath.Base(src)
			}
			copied = append(copied, dst)
		case "ENTRYPOINT":
			var ep []string
			if err := json.Unmarshal([]byte(in.Args), &ep); err != nil || len(ep) == 0 {
				problems = append(problems, fmt.Sprintf("line %d: ENTRYPOINT %s is not the exec form [\"/path\", ...] (a scratch image has no shell)", in.Line, in.Args))
				continue
			}
			entrypoint = ep[0]
		}
	}
	switch {
	case entrypoint == "":
		problems = append(problems, "no ENTRYPOINT")
	case !slices.Contains(copied, entrypoint):
		problems = append(problems, fmt.Sprintf("ENTRYPOINT %s is not a file the final image gets (it gets %v)", entrypoint, copied))
	}
	if finalBase == "scratch" && !slices.Contains(copied, caBundle) {
		problems = append(problems, "a scratch image without "+caBundle+": HTTPS to a master or Flink would fail")
	}
	return entrypoint, finalBase, problems
}

// dockerfileWithEntrypoint returns the Dockerfile in docker/ whose image
// starts ep, or "".
func dockerfileWithEntrypoint(t *testing.T, ep string) string {
	t.Helper()
	files, _ := filepath.Glob("../docker/*Dockerfile")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := checkDockerfile(string(b), nil); got == ep {
			return f
		}
	}
	return ""
}

func TestDockerfiles(t *testing.T) {
	outputs := buildOutputs(t)
	files, _ := filepath.Glob("../docker/*Dockerfile")
	entrypoints := map[string]string{}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ep, base, problems := checkDockerfile(string(b), outputs)
			for _, p := range problems {
				t.Error(p)
			}
			entrypoints[filepath.Base(ep)] = base
			if base == "scratch" {
				// A scheduler serves the task executor from next to itself.
				if want := filepath.Join(filepath.Dir(ep), "flink-mesos-taskexecutor"); !strings.Contains(string(b), " "+want+"\n") {
					t.Errorf("the scheduler image lacks %s, which the tasks fetch from it", want)
				}
			}
		})
	}
	for ep, wantBase := range map[string]string{"flink-mesos-session": "scratch", "flink-mesos-job": "scratch"} {
		if base, ok := entrypoints[ep]; !ok || base != wantBase {
			t.Errorf("no %s image for %s (have %v)", wantBase, ep, entrypoints)
		}
	}
	if base := entrypoints["flink-mesos-taskexecutor"]; !strings.HasPrefix(base, "flink:") {
		t.Errorf("the task executor image is based on %q, want an official flink: image", base)
	}
}

func TestCheckDockerfileRejects(t *testing.T) {
	outputs := []string{"bin/flink-mesos-session", "bin/flink-mesos-taskexecutor"}
	for _, c := range []struct{ name, text, want string }{
		{"a file build.sh does not make", "FROM scratch\nCOPY README.md /x\nCOPY bin/flink-mesos-session /s\nENTRYPOINT [\"/s\"]\n", "not one of build.sh's outputs"},
		{"entry point not in the image", "FROM scratch\nCOPY bin/flink-mesos-session /s\nENTRYPOINT [\"/t\"]\n", "is not a file the final image gets"},
		{"shell form entry point", "FROM scratch\nCOPY bin/flink-mesos-session /s\nENTRYPOINT /s\n", "exec form"},
		{"ADD", "FROM scratch\nADD https://x/y /y\n", "ADD"},
		{"RUN in the final image", "FROM debian\nRUN true\nCOPY bin/flink-mesos-session /s\nENTRYPOINT [\"/s\"]\n", "RUN in the final image"},
		{"anything from a stage but the CA bundle", "FROM debian AS b\nFROM scratch\nCOPY --from=b /bin/sh /sh\n", "only " + caBundle},
		{"scratch without CA bundle", "FROM scratch\nCOPY bin/flink-mesos-session /s\nENTRYPOINT [\"/s\"]\n", "without " + caBundle},
		{"no entry point", "FROM scratch\n", "no ENTRYPOINT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, problems := checkDockerfile(c.text, outputs)
			if !strings.Contains(strings.Join(problems, "\n"), c.want) {
				t.Fatalf("problems %q, want one containing %q", problems, c.want)
			}
		})
	}
}
