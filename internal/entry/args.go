package entry

import (
	"fmt"
	"io"
	"strings"

	"github.com/flink-mesos/flink-mesos/internal/editdist"
)

// The options every binary takes. -D is special-cased: Flink accepts both
// "-D key=value" and "-Dkey=value", which the standard flag package cannot
// express.
var commonFlags = []Flag{
	{Names: []string{"--configDir", "-c"}, Arg: "DIR", Usage: "directory holding flink-conf.yaml or config.yaml (default $FLINK_CONF_DIR)"},
	{Names: []string{"-D"}, Arg: "key=value", Usage: "set a configuration key; repeatable, the last one wins; also -Dkey=value"},
	{Names: []string{"--log-format"}, Arg: "FORMAT", Usage: "log format: text (default) or json"},
	{Names: []string{"--log-level"}, Arg: "LEVEL", Usage: "log level: debug, info (default), warn or error; also $LOG_LEVEL"},
	{Names: []string{"--help", "-h"}, Usage: "print this help and exit"},
	{Names: []string{"--version"}, Usage: "print the version and exit"},
}

// Parse reads the command line. Long options accept "--name value" and
// "--name=value".
func Parse(p Program, args []string) (opts Options, help, showVersion bool, err error) {
	opts.Values = map[string]string{}
	byName := map[string]Flag{}
	for _, f := range append(append([]Flag{}, commonFlags...), p.Flags...) {
		for _, n := range f.Names {
			byName[n] = f
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if !p.AllowArgs && i+1 < len(args) {
				return opts, false, false, &UsageError{Msg: fmt.Sprintf("unexpected argument %q", args[i+1])}
			}
			opts.Args = append(opts.Args, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-D") {
			kv := a[2:]
			if kv == "" {
				if i+1 == len(args) {
					return opts, false, false, &UsageError{Msg: "-D needs key=value", Hint: "-D taskmanager.numberOfTaskSlots=2"}
				}
				i++
				kv = args[i]
			}
			d, err := ParseDynamic(kv)
			if err != nil {
				return opts, false, false, err
			}
			opts.Dynamic = append(opts.Dynamic, d)
			continue
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			if !p.AllowArgs {
				return opts, false, false, &UsageError{Msg: fmt.Sprintf("unexpected argument %q", a)}
			}
			// The first positional argument ends option parsing, so the
			// job's own flags pass through untouched.
			opts.Args = append(opts.Args, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(a, "=")
		f, ok := byName[name]
		if !ok {
			return opts, false, false, &UsageError{Msg: fmt.Sprintf("unknown option %q", name), Hint: suggestFlag(name, byName)}
		}
		long := f.Names[0]
		if f.Arg == "" {
			if hasValue {
				return opts, false, false, &UsageError{Msg: fmt.Sprintf("option %s takes no value", name)}
			}
			switch long {
			case "--help":
				help = true
			case "--version":
				showVersion = true
			default:
				opts.Values[long] = "true"
			}
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return opts, false, false, &UsageError{Msg: fmt.Sprintf("option %s needs a value (%s)", name, f.Arg)}
			}
			i++
			value = args[i]
		}
		switch long {
		case "--configDir":
			opts.ConfigDir = value
		case "--log-format":
			if value != "text" && value != "json" {
				return opts, false, false, &UsageError{Msg: fmt.Sprintf("--log-format %q: allowed values are text and json", value)}
			}
			opts.LogFormat = value
		case "--log-level":
			opts.LogLevel = value
		default:
			opts.Values[long] = value
		}
	}
	return opts, help, showVersion, nil
}

// ParseDynamic splits one -D argument at the first '='. A bare key means
// "true", as Flink's own parser has it.
func ParseDynamic(kv string) (KV, error) {
	k, v, ok := strings.Cut(kv, "=")
	k = strings.TrimSpace(k)
	if k == "" {
		return KV{}, &UsageError{Msg: fmt.Sprintf("-D %q: the key is empty", kv), Hint: "-D key=value"}
	}
	if !ok {
		v = "true"
	}
	return KV{Key: k, Value: strings.TrimSpace(v)}, nil
}

func suggestFlag(name string, byName map[string]Flag) string {
	best, bestD := "", 3
	for n := range byName {
		if d := editdist.Levenshtein(strings.ToLower(strings.TrimLeft(name, "-")), strings.ToLower(strings.TrimLeft(n, "-"))); d < bestD || (d == bestD && n < best) {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return "did you mean " + best + "?"
}

// ConfigReference is the line every --help ends with: where each
// configuration key, its default and meaning are documented (README.md's
// Configuration section is generated from the keys the code reads).
const ConfigReference = `Configuration reference: the "Configuration" section of README.md lists every key, its default and meaning.`

// Usage writes --help: usage line, summary, every option, footer, and where
// the configuration keys are documented.
func Usage(w io.Writer, p Program) {
	fmt.Fprintf(w, "Usage: %s [options]", p.Name)
	if p.AllowArgs {
		fmt.Fprint(w, " [--] [arguments...]")
	}
	fmt.Fprint(w, "\n\n")
	if p.Summary != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(p.Summary))
	}
	fmt.Fprintln(w, "Options:")
	flags := append([]Flag{}, p.Flags...)
	if p.RawArgs {
		flags = append(flags, commonFlags[len(commonFlags)-2:]...) // --help, --version
	} else {
		flags = append(flags, commonFlags...)
	}
	for _, f := range flags {
		left := strings.Join(f.Names, ", ")
		if f.Arg != "" {
			left += " " + f.Arg
		}
		fmt.Fprintf(w, "  %-34s %s\n", left, f.Usage)
	}
	if p.Footer != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(p.Footer))
	}
	fmt.Fprintf(w, "\n%s\n", ConfigReference)
}
