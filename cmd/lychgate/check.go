package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/scanners"
)

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

type checkOutput struct {
	File      string             `json:"file"`
	Findings  []scanners.Finding `json:"findings"`
	Decisions []policy.Decision  `json:"decisions"`
}

func runCheck(args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("check", stderr)
	cfgFlag := fset.String("config", "", "configuration file (default: built-in defaults)")
	dirFlag := fset.String("direction", "", "inbound, outbound or internal (default: from the addresses and config)")
	from := fset.String("from", "", "envelope sender (default: the From header)")
	var to stringList
	fset.Var(&to, "to", "envelope recipient, repeatable (default: To and Cc headers)")
	asJSON := fset.Bool("json", false, "one JSON object per line")
	paths, err := parseInterspersed(fset, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: no PATH given", errUsage)
	}
	var dir scanners.Direction
	if *dirFlag != "" {
		if dir, err = scanners.ParseDirection(*dirFlag); err != nil {
			return fmt.Errorf("%w: --direction: %v", errUsage, err)
		}
	}
	cfg, err := loadConfig(*cfgFlag, true)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errReported
	}
	eng, err := engine.New(cfg, engine.Options{Logger: newLogger(cfg, stderr)})
	if err != nil {
		return err
	}
	defer eng.Close() //nolint:errcheck // read-only use
	ctx := context.Background()
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	var ioErrs []error
	for _, p := range paths {
		walkErr := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				ioErrs = append(ioErrs, err)
				return nil
			}
			if d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				ioErrs = append(ioErrs, err)
				return nil
			}
			out := checkOne(ctx, eng, path, raw, *from, to, dir)
			if *asJSON {
				return enc.Encode(out)
			}
			printCheck(stdout, out)
			return nil
		})
		if walkErr != nil {
			ioErrs = append(ioErrs, walkErr)
		}
	}
	for _, e := range ioErrs {
		fmt.Fprintln(stderr, "lychgate check:", e)
	}
	if len(ioErrs) > 0 {
		return errReported
	}
	return nil
}

// checkOne scans one file as the relay would. The envelope defaults to the
// message's From, To and Cc; the direction to what the addresses and the
// configuration imply (a sender in a school's domain is treated as coming
// from the school's own server).
func checkOne(ctx context.Context, eng *engine.Engine, path string, raw []byte, from string, to []string, dir scanners.Direction) checkOutput {
	// Headers for the envelope come from a cheap parse; Analyze parses the
	// message once more for the scanners, as the relay does.
	hdr := message.Parse(ctx, raw, message.Limits{MaxParts: 1, MaxDepth: 1})
	if from == "" && len(hdr.From) > 0 {
		from = hdr.From[0].Addr
	}
	if len(to) == 0 {
		for _, a := range append(append([]message.Address{}, hdr.To...), hdr.Cc...) {
			to = append(to, a.Addr)
		}
	}
	if len(to) == 0 {
		to = []string{"undisclosed-recipients@invalid"}
	}
	trusted := eng.Directory().SchoolOf(from) != ""
	env := eng.NewEnvelope(engine.Sender{From: from, Trusted: trusted})
	for _, addr := range to {
		r, err := eng.Classify(env, trusted, addr)
		if errors.Is(err, engine.ErrRelayDenied) {
			// Offline there is no relay to deny; scan it as inbound.
			r = scanners.Recipient{Addr: addr, Direction: scanners.Inbound}
		}
		if dir != "" {
			r.Direction = dir
		}
		env.Recipients = append(env.Recipients, r)
	}
	v := eng.Analyze(ctx, raw, env)
	out := checkOutput{File: path, Findings: v.Result.Findings, Decisions: v.Decisions}
	if out.Findings == nil {
		out.Findings = []scanners.Finding{}
	}
	for i := range out.Findings {
		if out.Findings[i].Evidence == nil {
			out.Findings[i].Evidence = []scanners.Evidence{}
		}
	}
	return out
}

func printCheck(w io.Writer, o checkOutput) {
	fmt.Fprintf(w, "%s\n", o.File)
	if len(o.Findings) == 0 {
		fmt.Fprintln(w, "  no findings")
	}
	for _, f := range o.Findings {
		fmt.Fprintf(w, "  [%s] %s %s/%s score=%.1f: %s\n", f.Severity, f.Category, f.Scanner, f.Rule, f.Score, f.Explanation)
		for _, e := range f.Evidence {
			loc := e.Field
			if e.Part != "" {
				loc += " part " + e.Part
			}
			if e.Text != "" {
				fmt.Fprintf(w, "      %s @%d: %q\n", loc, e.Offset, e.Text)
			} else {
				fmt.Fprintf(w, "      %s\n", loc)
			}
		}
	}
	ds := append([]policy.Decision(nil), o.Decisions...)
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Recipient < ds[j].Recipient })
	for _, d := range ds {
		var extra []string
		if d.NotifyDSL {
			extra = append(extra, "notify DSL")
		}
		if d.WarnSender {
			extra = append(extra, "warn sender")
		}
		note := ""
		if len(extra) > 0 {
			note = " (" + strings.Join(extra, ", ") + ")"
		}
		fmt.Fprintf(w, "  -> %s [%s]: %s%s\n", d.Recipient, d.Direction, d.Action, note)
	}
}

var _ flag.Value = (*stringList)(nil)
