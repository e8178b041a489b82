// Package entry is the start-up shared by the three binaries: command-line
// parsing (--configDir, -D key=value, --help, --version, logging flags),
// slog set-up, signal handling and the mapping of errors to exit codes
// (0 clean end, 1 runtime or job failure, 2 bad usage or configuration).
package entry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/flink-mesos/flink-mesos/internal/version"
)

// Exit codes shared by every binary.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// KV is one -D key=value override, in command-line order.
type KV struct {
	Key, Value string
}

// Flag declares a program-specific option. A Flag with an empty Arg is a
// boolean switch.
type Flag struct {
	Names []string // long form first, e.g. {"--job-classname", "-j"}
	Arg   string   // name of the value in --help; "" for a switch
	Usage string
}

// Program describes one binary.
type Program struct {
	Name    string // e.g. "flink-mesos-session"
	Summary string // first paragraph of --help
	Flags   []Flag // options besides the common ones
	// AllowArgs lets positional arguments through to Options.Args; without
	// it, one is a usage error. "--" always ends option parsing.
	AllowArgs bool
	// OwnSignals leaves SIGTERM/SIGINT to Run: the context is then not
	// cancelled by signals (the taskexecutor forwards them to its child).
	OwnSignals bool
	// RawArgs hands every argument to Run in Options.Args untouched; only a
	// lone --help or --version as the first argument is handled here. For a
	// binary whose command line is a machine-written contract (the
	// taskexecutor), parsed by its own package.
	RawArgs bool
	// Footer is printed after the flag list in --help.
	Footer string
	Run    func(ctx context.Context, env *Env) error
}

// Options is what the command line said.
type Options struct {
	ConfigDir string            // --configDir, else $FLINK_CONF_DIR
	Dynamic   []KV              // -D overrides, last wins when applied in order
	LogFormat string            // "text" or "json"; "" if not given
	LogLevel  string            // "debug", "info", "warn", "error"; "" if not given
	Values    map[string]string // program flags by long name; switches hold "true"
	Args      []string          // positional arguments (AllowArgs only)
}

// Env is what Run gets: the options, the process's streams and environment,
// and a logger configured from --log-format/--log-level/LOG_LEVEL.
type Env struct {
	Options
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Logger         *slog.Logger
	// LogLevel is the level Logger was built with, for a program that
	// rebuilds it in another format from its configuration.
	LogLevel slog.Level
	// Signals delivers SIGTERM/SIGINT when Program.OwnSignals is set.
	Signals <-chan os.Signal
}

// UsageError is a command-line mistake: exit code 2, with a hint.
type UsageError struct {
	Msg  string
	Hint string
}

func (e *UsageError) Error() string { return e.Msg }

// ExitError carries an explicit exit code, for example a job's result.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Coder is implemented by errors that know their exit code, such as
// configuration errors (2).
type Coder interface{ ExitCode() int }

// Main runs p with the process's arguments and environment and exits.
func Main(p Program) {
	os.Exit(Execute(context.Background(), p, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// Execute runs p and returns the exit code; it never calls os.Exit, so tests
// can drive a whole binary in-process.
func Execute(ctx context.Context, p Program, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	var (
		opts              Options
		help, showVersion bool
		err               error
	)
	if p.RawArgs {
		opts.Values = map[string]string{}
		if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
			help = true
		} else if len(args) == 1 && args[0] == "--version" {
			showVersion = true
		} else {
			opts.Args = args
		}
	} else {
		opts, help, showVersion, err = Parse(p, args)
	}
	if err != nil {
		var ue *UsageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "%s: %s\n", p.Name, ue.Msg)
			if ue.Hint != "" {
				fmt.Fprintf(stderr, "Try: %s\n", ue.Hint)
			}
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", p.Name)
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", p.Name, err)
		}
		return ExitUsage
	}
	if help {
		Usage(stdout, p)
		return ExitOK
	}
	if showVersion {
		fmt.Fprintln(stdout, version.Line(p.Name))
		return ExitOK
	}
	if opts.ConfigDir == "" && getenv != nil {
		opts.ConfigDir = getenv("FLINK_CONF_DIR")
	}
	level, err := levelFrom(opts.LogLevel, getenv)
	var logger *slog.Logger
	if err == nil {
		logger, err = NewLogger(stderr, opts.LogFormat, level)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", p.Name, err)
		return ExitUsage
	}
	env := &Env{Options: opts, Stdout: stdout, Stderr: stderr, Getenv: getenv, Logger: logger, LogLevel: level}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	if p.OwnSignals {
		env.Signals = sigs
	} else {
		done := make(chan struct{})
		defer close(done)
		go watchSignals(done, cancel, sigs, logger)
	}

	return ExitCode(p.Run(ctx, env), stderr, p.Name)
}

// watchSignals cancels the context on the first signal and forces an exit on
// the second, so a stuck shutdown can always be interrupted. It returns when
// done is closed.
func watchSignals(done <-chan struct{}, cancel context.CancelFunc, sigs <-chan os.Signal, logger *slog.Logger) {
	select {
	case <-done:
		return
	case s := <-sigs:
		logger.Info("signal received, stopping; send it again to exit at once", "signal", s.String())
		cancel()
	}
	select {
	case <-done:
	case s := <-sigs:
		logger.Warn("second signal, exiting now", "signal", s.String())
		os.Exit(ExitFailure)
	}
}

// ExitCode maps the error Run returned to the process exit code and prints
// it once to stderr.
func ExitCode(err error, stderr io.Writer, name string) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, context.Canceled) {
		return ExitOK
	}
	code := ExitFailure
	var ee *ExitError
	var ue *UsageError
	var c Coder
	switch {
	case errors.As(err, &ee):
		code = ee.Code
		if ee.Err == nil {
			return code
		}
	case errors.As(err, &ue):
		code = ExitUsage
	case errors.As(err, &c):
		code = c.ExitCode()
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	if ue != nil && ue.Hint != "" {
		fmt.Fprintf(stderr, "Try: %s\n", ue.Hint)
	}
	return code
}

// NewLogger builds the slog logger: text (default) or JSON on w.
func NewLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	o := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(format) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, &UsageError{Msg: fmt.Sprintf("--log-format %q: allowed values are text and json", format)}
}

// levelFrom reads --log-level, else $LOG_LEVEL, else info.
func levelFrom(flagValue string, getenv func(string) string) (slog.Level, error) {
	v, source := flagValue, "--log-level"
	if v == "" && getenv != nil {
		v, source = getenv("LOG_LEVEL"), "LOG_LEVEL"
	}
	var l slog.Level
	if v == "" {
		return slog.LevelInfo, nil
	}
	if err := l.UnmarshalText([]byte(v)); err != nil {
		return 0, &UsageError{Msg: fmt.Sprintf("%s %q: allowed values are debug, info, warn and error", source, v)}
	}
	return l, nil
}
