package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// helpRequest is --help (or -h, or `lychgate help NAME`): print NAME's
// help, with the flags of fs when it has any, on standard output; exit 0.
type helpRequest struct {
	name string
	fs   *flag.FlagSet
}

func (h *helpRequest) Error() string { return "help requested" }
func (h *helpRequest) Unwrap() error { return flag.ErrHelp }

func isHelpArg(s string) bool { return s == "-h" || s == "-help" || s == "--help" || s == "help" }

// printHelp writes the help of name (a command or "command sub") and the
// flags of fs.
func printHelp(w io.Writer, name string, fs *flag.FlagSet) {
	text, ok := helpTexts[name]
	if !ok {
		text = "usage: lychgate " + name + "\n"
	}
	fmt.Fprint(w, strings.TrimLeft(text, "\n"))
	if fs != nil {
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nflags:")
			out := fs.Output()
			fs.SetOutput(w)
			fs.PrintDefaults()
			fs.SetOutput(out)
		}
	}
	if ex, ok := helpExamples[name]; ok {
		fmt.Fprintf(w, "\nexamples:\n%s", strings.TrimLeft(ex, "\n"))
	}
}

// subcommandFlags limits a FlagSet to the flags a subcommand uses: it
// returns a new set with only those of fs named in keep, bound to the same
// variables, so `quarantine show --limit 3` is a usage error and
// `quarantine show --help` lists only what show takes.
func subcommandFlags(fs *flag.FlagSet, keep []string) *flag.FlagSet {
	sub := newFlagSet(fs.Name(), fs.Output())
	fs.VisitAll(func(f *flag.Flag) {
		if slices.Contains(keep, f.Name) {
			sub.Var(f.Value, f.Name, f.Usage)
		}
	})
	return sub
}

// asHelp reports whether err asks for help, and for which name.
func asHelp(err error) (*helpRequest, bool) {
	var h *helpRequest
	if errors.As(err, &h) {
		return h, true
	}
	return nil, false
}

var helpTexts = map[string]string{
	"serve": `
usage: lychgate serve [--config FILE] [--cpuprofile FILE] [--memprofile FILE]

Run the relay: the SMTP listener ([relay] listen), the notification worker,
the quarantine expiry sweep, the head teacher's reports and, when [web]
listen is set, the review UI. It reads the configuration once at start and
again on SIGHUP or when a watched file changes; an invalid change is
refused and logged, and the old configuration stays live. SIGTERM and
SIGINT stop it gracefully: no new connections, in-flight messages finish
(relay.shutdown_timeout).

It needs Redis (redis.url) and the next hops (next_hop.inbound, optionally
next_hop.outbound). Logs go to standard error ([log] level and format).

The Go garbage collector lets the heap grow to five times what is live
(GOGC=400) under a soft memory limit of 128 MiB plus four times
relay.max_bytes_in_flight; GOGC and GOMEMLIMIT in the environment override
either.

--cpuprofile and --memprofile write pprof profiles (go tool pprof) when
serve stops gracefully: the CPU profile covers the time from listening to
shutdown; the allocation profile every allocation since start, and FILE.base
what start-up allocated (go tool pprof -base FILE.base FILE shows serving
only). They are for measuring (lychgate-bench -profile), not for production.
`,
	"check": `
usage: lychgate check [--config FILE] [--direction D] [--from ADDR] [--to ADDR]... [--json] PATH...

Scan message files offline, as the relay would, and print each file's
findings and the decision for each recipient. Nothing is sent or stored.

A PATH may be a message file (.eml), an mbox file (messages separated by
"From " lines), a Maildir folder (cur/ and new/) or any folder, which is
searched for these. Files that are not mail (notes, images, binaries,
Outlook .msg files) are skipped with a warning instead of being reported as
malformed; .eml files and Maildir messages are always checked, however
broken. Messages larger than relay.max_message_bytes are skipped (the relay
would refuse them). Nothing from a file is printed but findings' evidence,
quoted.

Without --config it reads $LYCHGATE_CONFIG, then /etc/lychgate/lychgate.toml,
and says which; with neither it uses the built-in defaults (no schools).
`,
	"config": `
usage: lychgate config check [--strict] [FILE]

Validate a configuration file without starting the relay: every problem is
printed as "file:line: key: problem" and the exit code is 3. Warnings (a
school with no dsl address, group globs on domains the school does not own)
are printed too; the exit code stays 0 unless --strict is given.
`,
	"quarantine": `
usage: lychgate quarantine COMMAND [--config FILE] [flags] [ID]

Review and act on quarantined mail. Every view and action is recorded in the
school's audit log with your login name (--by to change it).

commands:
  list            list entries, newest first (filters: --status, --category, ...)
  show ID         print one entry's findings, decisions and the message
  release ID      deliver a held message to its held recipients (or --to)
  delete ID       delete a held message (the record stays for the audit)
  incident ID     mark an entry as a safeguarding incident (kept longer)
  copy ID         send yourself a copy of a held message as evidence (--to)
  not-a-problem ID   record that an entry was a false positive
  export          write entries as CSV (docs/formats.md describes the columns)
  audit           print the audit log

Run 'lychgate help quarantine COMMAND' for a command's flags and examples.
`,
	"quarantine list": `
usage: lychgate quarantine list [--config FILE] [--school ID] [filters] [--json]

List quarantined entries, newest first, at most --limit per school; "more:
--cursor C" means there are more (give --cursor C to continue). An empty
result prints "no entries".
`,
	"quarantine show": `
usage: lychgate quarantine show [--config FILE] [--school ID] [--json] ID

Print one entry: envelope, findings with evidence, decisions per recipient
and the held message itself (until it is released or deleted).
`,
	"quarantine release": `
usage: lychgate quarantine release [--config FILE] [--to ADDR,...] [--reason TEXT] ID

Deliver a held message through the next hops to its held recipients, or to
--to instead, exactly once. A message already released or deleted is not
released again (exit 1).
`,
	"quarantine delete": `
usage: lychgate quarantine delete [--config FILE] [--reason TEXT] ID

Delete a held message. Its record (without the message) stays until the
retention ends, for the audit trail.
`,
	"quarantine incident": `
usage: lychgate quarantine incident [--config FILE] [--incident-category CAT] [--notes TEXT] ID

Mark an entry as a safeguarding incident: it is then kept for the incident
retention (a year by default) and appears in the head teacher's report.
`,
	"quarantine copy": `
usage: lychgate quarantine copy [--config FILE] --to ADDR ID

Send the held message, wrapped as an attachment, to ADDR (your own address)
as evidence; it stays held.
`,
	"quarantine not-a-problem": `
usage: lychgate quarantine not-a-problem [--config FILE] [--reason TEXT] ID

Record that an entry was a false positive (the spam classifier learns from
it). Release or delete it as well.
`,
	"quarantine export": `
usage: lychgate quarantine export [--config FILE] [--school ID] [--incidents] [filters] [--out FILE]

Write the matching entries as CSV (all pages), for the school's incident log.
The columns are described in docs/formats.md.
`,
	"quarantine audit": `
usage: lychgate quarantine audit [--config FILE] [--school ID] [--user U] [--action A] [--id ID] [--since T] [--until T]

Print the audit log, newest first: who saw or did what, when, and why.
`,
	"user": `
usage: lychgate user COMMAND --config FILE --username U [flags]

Manage the review UI's accounts (kept in Redis). Passwords are read from
standard input, never from flags.

commands:
  add       create an account (--role, --school, --email)
  passwd    set a new password (signs out its sessions)
  disable   lock an account; enable unlocks it
  enable
  token     issue an API token
  totp      enrol a second factor (--remove to remove it)
  list      list accounts

Run 'lychgate help user COMMAND' for a command's flags.
`,
	"user add":     "\nusage: lychgate user add --config FILE --username U --role ROLE --school ID... [--email ADDR] < password\n\nCreate a review UI account. Roles: dsl, deputy-dsl, ict, head, admin.\n",
	"user passwd":  "\nusage: lychgate user passwd --config FILE --username U < password\n\nSet a new password; the user's sessions are signed out.\n",
	"user disable": "\nusage: lychgate user disable --config FILE --username U\n\nLock an account (its sessions end).\n",
	"user enable":  "\nusage: lychgate user enable --config FILE --username U\n\nUnlock an account.\n",
	"user token":   "\nusage: lychgate user token --config FILE --username U\n\nIssue an API token for the JSON API and print it once.\n",
	"user totp":    "\nusage: lychgate user totp --config FILE --username U [--remove]\n\nEnrol a TOTP second factor and print its otpauth:// URI, or remove it.\n",
	"user list":    "\nusage: lychgate user list --config FILE\n\nList the accounts with role, state and schools; \"no entries\" when there are none.\n",
	"report": `
usage: lychgate report [--config FILE] --school ID [--from YYYY-MM-DD --to YYYY-MM-DD] [--format text|csv|html] [--out FILE]

Print the head teacher's report of one school: messages held for review by
category and severity, against the previous period of the same length, held
per day, and the incidents the DSL recorded. When nothing was held and no
incident recorded it says "no incidents". --to is inclusive; without --from
and --to the report covers the last scheduled period ([report] every, day,
hour). serve mails the same report to each school ([school.report] to, or
the dsl addresses plus [school.report] head) when a period ends.
`,
	"eval": `
usage: lychgate eval [--config FILE] [DIR...]

Measure detection quality (precision, recall, false positives) on labelled
mail: folders named after the expected category (ham/, spam/, phish/, ...).
`,
	"version": `
usage: lychgate version

Print the version of this build.
`,
}

var helpExamples = map[string]string{
	"serve": `
  lychgate serve --config /etc/lychgate/lychgate.toml
  LYCHGATE_CONFIG=./lychgate.toml lychgate serve
`,
	"check": `
  lychgate check --config /etc/lychgate/lychgate.toml message.eml
  lychgate check --config lychgate.toml --direction outbound --from head@school.sch.uk draft.eml
  lychgate check --config lychgate.toml --json ~/Maildir/ archive.mbox
`,
	"config": `
  lychgate config check /etc/lychgate/lychgate.toml
  lychgate config check --strict lychgate.toml
`,
	"quarantine": `
  lychgate quarantine list --school north --status held
  lychgate quarantine show 3f2a9c0d1e4b5a6978c0d1e2
`,
	"quarantine list": `
  lychgate quarantine list --school north --status held --severity high
  lychgate quarantine list --recipient pupil@north.sch.uk --since 2026-11-01 --json
`,
	"quarantine show":    "  lychgate quarantine show 3f2a9c0d1e4b5a6978c0d1e2\n",
	"quarantine release": "  lychgate quarantine release --reason \"parent's newsletter\" 3f2a9c0d1e4b5a6978c0d1e2\n",
	"quarantine delete":  "  lychgate quarantine delete --reason spam 3f2a9c0d1e4b5a6978c0d1e2\n",
	"quarantine incident": `
  lychgate quarantine incident --incident-category bullying --notes "spoke to form tutor" 3f2a9c0d1e4b5a6978c0d1e2
`,
	"quarantine copy":          "  lychgate quarantine copy --to dsl@north.sch.uk 3f2a9c0d1e4b5a6978c0d1e2\n",
	"quarantine not-a-problem": "  lychgate quarantine not-a-problem --reason \"cricket score\" 3f2a9c0d1e4b5a6978c0d1e2\n",
	"quarantine export":        "  lychgate quarantine export --school north --incidents --since 2026-09-01 --out incidents.csv\n",
	"quarantine audit":         "  lychgate quarantine audit --school north --action release --since 2026-11-01\n",
	"user add":                 "  echo 'a long passphrase' | lychgate user add --config lychgate.toml --username jo --role dsl --school north\n",
	"report": `
  lychgate report --config lychgate.toml --school north --from 2026-11-23 --to 2026-11-29
  lychgate report --school north --from 2026-09-01 --to 2026-12-19 --format csv --out autumn.csv
  lychgate report --school north --format html --out report.html
`,
	"eval": "  lychgate eval --config lychgate.toml testdata/eml\n",
}
