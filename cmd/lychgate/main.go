// Command lychgate is the one binary of lychgate, the mail-scanning SMTP
// relay for schools: serve, check, config, quarantine, user, report, eval
// and version subcommands.
// It is the only place that reads flags and the environment.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/internal/durfmt"
	"github.com/lychgate/lychgate/internal/logrl"
)

const defaultConfigPath = "/etc/lychgate/lychgate.toml"

// errUsage marks an error that should print usage.
var errUsage = errors.New("usage")

// errReported means the command already printed its errors; exit 1.
var errReported = errors.New("reported")

type command struct {
	name  string
	usage string
	run   func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve [--config FILE]                      run the relay", runServe},
		{"check", "check [--config FILE] [--direction D] [--from ADDR] [--to ADDR]... [--json] PATH...\n                                               scan message files offline and print findings and decisions", runCheck},
		{"config", "config check [--strict] [FILE]             validate a configuration file (warnings too)", runConfig},
		{"quarantine", "quarantine list|show|release|delete|incident|copy|not-a-problem|export|audit [--config FILE] ...\n                                               review, release, delete and export quarantined mail", runQuarantine},
		{"user", "user add|passwd|disable|enable|token|totp|list --config FILE --username U [--role ROLE --school ID...]\n                                               manage review UI accounts (passwords are read from standard input)", runUser},
		{"learn", "learn --config FILE --spam|--ham PATH...  train the spam classifier from message files, mbox files or folders", runLearn},
		{"report", "report [--config FILE] --school ID [--from YYYY-MM-DD --to YYYY-MM-DD] [--format text|csv|html]\n                                               the head teacher's report of one school", runReport},
		{"eval", "eval [--config FILE] [DIR...]              measure detection quality on labelled mail", runEval},
		{"version", "version                                    print the version", runVersion},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return exitUsage
	}
	if isHelpArg(args[0]) {
		if len(args) == 1 {
			printUsage(stdout)
			return exitOK
		}
		// "lychgate help check" is "lychgate check --help", and
		// "lychgate help quarantine list" is "lychgate quarantine list --help".
		args = append(append([]string{}, args[1:]...), "--help")
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		rest := args[1:]
		if len(rest) > 0 && isHelpArg(rest[0]) && !hasSubcommands(c.name) {
			if c.name == "version" { // it parses no flags
				printHelp(stdout, c.name, nil)
				return exitOK
			}
			rest = []string{"--help"}
		}
		err := c.run(rest, stdout, stderr)
		if h, ok := asHelp(err); ok {
			name := c.name
			if h.name != "" {
				name = h.name
			} else if h.fs != nil {
				name = h.fs.Name()
			}
			printHelp(stdout, name, h.fs)
			return exitOK
		}
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, c.name, nil)
			return exitOK
		}
		return exitCode(c.name, c.usage, err, stderr)
	}
	fmt.Fprintf(stderr, "lychgate: unknown command %q\n", args[0])
	printUsage(stderr)
	return exitUsage
}

// hasSubcommands reports whether a command's first argument names a
// subcommand (whose --help the command itself answers).
func hasSubcommands(name string) bool {
	return name == "quarantine" || name == "user" || name == "config"
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: lychgate COMMAND [ARGS]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %s\n", c.usage)
	}
	fmt.Fprintln(w, "\nEvery command but version takes --config FILE (default $LYCHGATE_CONFIG, then "+defaultConfigPath+").")
	fmt.Fprintln(w, "Run 'lychgate help COMMAND' (or 'lychgate COMMAND --help') for a command's flags and examples.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, exitCodesHelp)
}

// parseInterspersed parses flags that may come before, between or after
// positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &helpRequest{fs: fs}
			}
			return nil, &usageError{name: fs.Name(), err: err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newFlagSet returns a FlagSet that prints nothing itself: a bad flag
// comes back as a usage error (printed once, by run) and --help as a
// helpRequest (printed on standard output). name is also the key of the
// command's help text.
func newFlagSet(name string, _ io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// configPath returns the config file to use: the flag, $LYCHGATE_CONFIG, or
// the system default. explicit is false when it is only the system default.
func configPath(flagValue string) (path string, explicit bool) {
	if flagValue != "" {
		return flagValue, true
	}
	if env := os.Getenv("LYCHGATE_CONFIG"); env != "" {
		return env, true
	}
	return defaultConfigPath, false
}

// loadConfig loads the configuration; with optional set, a missing system
// default falls back to the built-in defaults.
func loadConfig(flagValue string, optional bool) (*config.Config, error) {
	path, explicit := configPath(flagValue)
	if optional && !explicit {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return config.Default(), nil
		}
	}
	return config.Load(path)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(cfg.Log.Level))); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl, ReplaceAttr: shortDurations}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.Log.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	// The same warning (Redis down, say) is logged once, then with a count
	// every logRepeatEvery; per-message lines are never limited.
	return slog.New(logrl.New(h, logrl.Options{Every: logRepeatEvery}))
}

// logRepeatEvery is how often a repeated warning is logged again.
const logRepeatEvery = 10 * time.Second

// shortDurations logs durations as "30d" or "1.5ms", not "720h0m0s".
func shortDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(durfmt.Short(a.Value.Duration()))
	}
	return a
}

// version is the module version, or for a development build
// "devel-<12 hex of the commit>[-dirty] (<commit date>)" from the VCS
// stamp go build records.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return versionOf(bi)
}

func versionOf(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, at string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	v := "devel-" + rev[:min(12, len(rev))]
	if dirty {
		v += "-dirty"
	}
	if t, err := time.Parse(time.RFC3339, at); err == nil {
		v += " (" + t.UTC().Format(time.DateOnly) + ")"
	}
	return v
}

func runVersion(_ []string, stdout, _ io.Writer) error {
	fmt.Fprintln(stdout, "lychgate", version())
	return nil
}

func runConfig(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelpArg(args[0]) {
		return &helpRequest{name: "config", fs: configFlags(new(bool), new(string))}
	}
	if len(args) == 0 || args[0] != "check" {
		return fmt.Errorf("%w: want 'config check [FILE]'", errUsage)
	}
	var strict bool
	var cfgFlag string
	fs := configFlags(&strict, &cfgFlag)
	pos, err := parseInterspersed(fs, args[1:])
	if h, ok := asHelp(err); ok {
		h.name = "config"
		return h
	}
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return fmt.Errorf("%w: one file at a time", errUsage)
	}
	path := cfgFlag
	if len(pos) == 1 {
		path = pos[0]
	}
	path, _ = configPath(path)
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err) // one "file:line: key: problem" per line
		return errConfigReported
	}
	warns := cfg.Warnings()
	for _, w := range warns {
		fmt.Fprintln(stderr, w)
	}
	switch {
	case len(warns) > 0 && strict:
		fmt.Fprintf(stderr, "%s: %d warning(s); --strict makes them errors\n", path, len(warns))
		return errConfigReported
	case len(warns) > 0:
		fmt.Fprintf(stdout, "%s: ok, with %d warning(s)\n", path, len(warns))
	default:
		fmt.Fprintf(stdout, "%s: ok\n", path)
	}
	return nil
}

func configFlags(strict *bool, cfgFlag *string) *flag.FlagSet {
	fs := newFlagSet("config check", nil)
	fs.StringVar(cfgFlag, "config", "", "configuration file (or give it as FILE)")
	fs.BoolVar(strict, "strict", false, "fail (exit 3) when there are warnings")
	return fs
}
