package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/engine"
	"github.com/lychgate/lychgate/internal/durfmt"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/policy"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/spam"
)

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

type checkOutput struct {
	File      string             `json:"file"`
	Findings  []scanners.Finding `json:"findings"`
	Decisions []policy.Decision  `json:"decisions"`
	// Client is the SMTP client the message was checked as coming from,
	// and whether the relay would trust it (a trusted network or a login).
	Client  string `json:"client"`
	Trusted bool   `json:"trusted"`
	// Refused lists recipients the relay would refuse at RCPT (an outside
	// address from an untrusted client); they get no decision.
	Refused []string `json:"refused,omitempty"`
	// Spam is the spam verdict (a contract): the score, the lowest
	// threshold that acts on some copy, and whether the score reached it.
	Spam spam.Verdict `json:"spam"`
	// Explain (with --explain) is how each check ran, which custom rules
	// fired, and per recipient every finding as weighed and the policy rule
	// that chose its action.
	Explain *explainOutput `json:"explain,omitempty"`
}

// explainOutput is check --explain's account of one message.
type explainOutput struct {
	Scanners   []scanners.Run       `json:"scanners"`
	Rules      []ruleFired          `json:"rules"`
	Recipients []policy.Explanation `json:"recipients"`
}

// ruleFired is one configured [[rule]] and whether it fired.
type ruleFired struct {
	ID    string `json:"id"`
	Fired bool   `json:"fired"`
	Why   string `json:"why"`
}

func runCheck(args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("check", stderr)
	cfgFlag := fset.String("config", "", "configuration file (default: $LYCHGATE_CONFIG, then /etc/lychgate/lychgate.toml, then the built-in defaults)")
	dirFlag := fset.String("direction", "", "inbound, outbound or internal (default: from the addresses and config)")
	from := fset.String("from", "", "envelope sender (default: the From header)")
	var to stringList
	fset.Var(&to, "to", "envelope recipient, repeatable (default: To and Cc headers)")
	asJSON := fset.Bool("json", false, "one JSON object per line")
	clientIP := fset.String("client-ip", "", "the SMTP client's IP address, trusted as the relay would trust it (default: an address in the first trusted network when the sender is on a school's domain, or --direction is outbound or internal, as if the school's own server sent it; else 192.0.2.1, an outside address)")
	authUser := fset.String("auth-user", "", "check as if the client logged in as this user (trusted, as the relay trusts a login)")
	explain := fset.Bool("explain", false, "also show how every check ran, which of your [[rule]]s fired, and for each recipient every finding as weighed and the policy rule that chose its action")
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
		return errConfigReported
	}
	if cfg.File != "" {
		fmt.Fprintf(stderr, "lychgate check: using %s\n", cfg.File)
	} else {
		fmt.Fprintln(stderr, "lychgate check: no configuration file found; using the built-in defaults (no schools): give --config")
	}
	eng, err := engine.New(cfg, engine.Options{Logger: newLogger(cfg, stderr)})
	if err != nil {
		return err
	}
	var client netip.Addr
	if *clientIP != "" {
		if client, err = netip.ParseAddr(*clientIP); err != nil {
			return fmt.Errorf("%w: --client-ip: %v", errUsage, err)
		}
	}
	defer eng.Close() //nolint:errcheck // read-only use
	ctx := context.Background()
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	var ioErrs []error
	checked := 0
	a := checkArgs{from: *from, to: to, dir: dir, client: client, authUser: *authUser, explain: *explain}
	src := &mailSource{
		maxBytes: cfg.Relay.MaxMessageBytes,
		warn:     func(msg string) { fmt.Fprintln(stderr, "lychgate check:", msg) },
		fail:     func(err error) { ioErrs = append(ioErrs, err) },
		fn: func(name string, raw []byte) error {
			checked++
			out := checkOne(ctx, eng, name, raw, a)
			if *asJSON {
				return enc.Encode(out)
			}
			printCheck(stdout, out)
			return nil
		},
	}
	for _, p := range paths {
		if err := src.walk(ctx, p); err != nil {
			ioErrs = append(ioErrs, err)
		}
	}
	if checked == 0 && len(ioErrs) == 0 {
		fmt.Fprintln(stderr, "lychgate check: no messages found in", strings.Join(paths, ", "))
	}
	for _, e := range ioErrs {
		fmt.Fprintln(stderr, "lychgate check:", e)
	}
	if len(ioErrs) > 0 {
		return errReported
	}
	return nil
}

// checkArgs is the envelope and client a file is checked with.
type checkArgs struct {
	from     string
	to       []string
	dir      scanners.Direction
	client   netip.Addr
	authUser string
	explain  bool
}

// checkOne scans one file as the relay would, with the relay's own rules
// for trust (a trusted network or a login) and direction (engine.Classify,
// the function the relay calls at RCPT). The envelope defaults to the
// message's From, To and Cc; the client to the school's server when the
// sender is on a school's domain, else an outside address.
func checkOne(ctx context.Context, eng *engine.Engine, path string, raw []byte, a checkArgs) checkOutput {
	from, to, dir := a.from, a.to, a.dir
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
	client := a.client
	if !client.IsValid() {
		client = netip.MustParseAddr("192.0.2.1") // TEST-NET-1: outside
		if eng.Directory().SchoolOf(from) != "" || dir == scanners.Outbound || dir == scanners.Internal {
			client = schoolServerAddr(eng.Config())
		}
	}
	trusted := a.authUser != "" || eng.Config().IsTrusted(client)
	out := checkOutput{File: path, Client: client.String(), Trusted: trusted}
	env := eng.NewEnvelope(engine.Sender{From: from, Trusted: trusted, RemoteIP: client.String(), AuthUser: a.authUser})
	for _, addr := range to {
		r, err := eng.Classify(env, trusted, addr)
		if errors.Is(err, engine.ErrRelayDenied) {
			out.Refused = append(out.Refused, addr)
			continue
		}
		if dir != "" {
			r.Direction = dir
		}
		env.Recipients = append(env.Recipients, r)
	}
	v := eng.Analyze(ctx, raw, env)
	out.Findings, out.Decisions = v.Result.Findings, v.Decisions
	out.Spam = spam.VerdictForEnvelope(v.Result.Findings, &eng.Config().Spam, env)
	if a.explain {
		ex := &explainOutput{Scanners: v.Result.Runs, Recipients: v.Explain()}
		for _, r := range eng.Config().Rules {
			rf := ruleFired{ID: r.ID, Why: "its pattern or words did not match (or it is scoped to other schools or directions)"}
			for _, f := range v.Result.Findings {
				if f.Scanner == "rules" && f.Rule == r.ID {
					rf.Fired, rf.Why = true, fmt.Sprintf("matched in %s", f.Evidence[0].Field)
					break
				}
			}
			ex.Rules = append(ex.Rules, rf)
		}
		out.Explain = ex
	}
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

// schoolServerAddr is an address in the first trusted network: where the
// school's own server would connect from.
func schoolServerAddr(cfg *config.Config) netip.Addr {
	for _, n := range cfg.Relay.TrustedNetworks {
		if p, err := netip.ParsePrefix(n); err == nil {
			return p.Masked().Addr()
		}
	}
	return netip.MustParseAddr("127.0.0.1")
}

func printCheck(w io.Writer, o checkOutput) {
	trust := "untrusted client"
	if o.Trusted {
		trust = "trusted client"
	}
	fmt.Fprintf(w, "%s (as if from %s, %s)\n", o.File, o.Client, trust)
	verdict := "not spam"
	if o.Spam.IsSpam {
		verdict = "spam"
	}
	fmt.Fprintf(w, "  spam score %.2f (acts from %g): %s\n", o.Spam.Score, o.Spam.Threshold, verdict)
	for _, r := range o.Refused {
		fmt.Fprintf(w, "  -> %s: refused at RCPT (relay access denied from an untrusted client)\n", r)
	}
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
	if o.Explain != nil {
		printExplain(w, o.Explain)
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

func printExplain(w io.Writer, ex *explainOutput) {
	fmt.Fprintln(w, "  checks:")
	for _, r := range ex.Scanners {
		line := fmt.Sprintf("    %-18s %-7s %s", r.Scanner, r.Status, durfmt.Short(r.Duration))
		if r.Err != "" {
			line += ": " + r.Err
		}
		fmt.Fprintln(w, line)
	}
	if len(ex.Rules) > 0 {
		fmt.Fprintln(w, "  your rules:")
		for _, r := range ex.Rules {
			mark := "did not fire"
			if r.Fired {
				mark = "fired"
			}
			fmt.Fprintf(w, "    %s: %s (%s)\n", r.ID, mark, r.Why)
		}
	}
	for _, rc := range ex.Recipients {
		fmt.Fprintf(w, "  policy for %s:\n", rc.Decision.Recipient)
		if len(rc.Steps) == 0 {
			fmt.Fprintln(w, "    no findings: deliver")
		}
		for _, s := range rc.Steps {
			switch {
			case s.Skipped != "":
				fmt.Fprintf(w, "    %s: does not apply (%s)\n", s.Finding, s.Skipped)
			default:
				sev := s.Severity.String()
				if s.Severity != s.Base {
					sev = fmt.Sprintf("%s, weighed from %s (%s)", s.Severity, s.Base, s.Weighing)
				}
				fmt.Fprintf(w, "    %s [%s]: rule %s -> %s\n", s.Finding, sev, s.Rule, s.Action)
			}
		}
	}
}
