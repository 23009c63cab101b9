package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/users"
)

// stdin is where `user add` and `user passwd` read the password.
var stdin io.Reader = os.Stdin

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// newUsers is the account store of the review UI, with the [web] lock-out
// settings.
func newUsers(rdb redis.UniversalClient, cfg *config.Config) *users.Store {
	w := cfg.Web.WithDefaults()
	return users.New(rdb, users.Options{Prefix: cfg.Redis.KeyPrefix, LockAfter: w.LockAfter,
		LockBase: w.LockBase.Duration, LockMax: w.LockMax.Duration})
}

// readPassword reads one line from stdin (no echo control: pipe it, or
// type it at a prompt that the shell does not log).
func readPassword(stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(stderr, "password: ")
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// userFlags are the flags each user subcommand takes.
var userFlags = map[string][]string{
	"add": {"config", "username", "role", "email", "school"}, "passwd": {"config", "username"},
	"disable": {"config", "username"}, "enable": {"config", "username"}, "token": {"config", "username"},
	"totp": {"config", "username", "remove"}, "list": {"config"},
}

func runUser(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want add, passwd, disable, enable, token, totp or list", errUsage)
	}
	if isHelpArg(args[0]) {
		return &helpRequest{name: "user"}
	}
	sub, args := args[0], args[1:]
	keep, ok := userFlags[sub]
	if !ok {
		return fmt.Errorf("%w: unknown user command %q (want add, passwd, disable, enable, token, totp or list)", errUsage, sub)
	}
	fs := newFlagSet("user "+sub, stderr)
	cfgFlag := fs.String("config", "", "configuration file")
	name := fs.String("username", "", "the account's user name")
	role := fs.String("role", "", "dsl, deputy-dsl, ict, head or admin")
	email := fs.String("email", "", "the user's address, for \"send me a copy\"")
	remove := fs.Bool("remove", false, "remove the second factor instead of enrolling one")
	var schools listFlag
	fs.Var(&schools, "school", "a school id the user may see (repeat for several)")
	fs = subcommandFlags(fs, keep)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{name: "user " + sub, err: fmt.Errorf("unexpected argument %q", pos[0])}
	}
	if sub != "list" && *name == "" {
		return &usageError{name: "user " + sub, err: errors.New("--username is required")}
	}
	cfg, err := loadConfigStrict(*cfgFlag)
	if err != nil {
		return err
	}
	rdb, err := openRedis(cfg)
	if err != nil {
		return err
	}
	defer rdb.Close() //nolint:errcheck // CLI exit path
	us := newUsers(rdb, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	switch sub {
	case "add":
		r, err := users.ParseRole(*role)
		if err != nil {
			return fmt.Errorf("%w: --role: %v", errUsage, err)
		}
		for _, s := range schools {
			if cfg.SchoolByID(s) == nil {
				return fmt.Errorf("%w: unknown school %q: not a [[school]] id in %s", errUsage, s, cfg.File)
			}
		}
		pw, err := readPassword(stderr)
		if err != nil {
			return err
		}
		if err := us.Add(ctx, users.User{Name: *name, Role: r, Schools: schools, Email: *email}, pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s (%s) for %s\n", *name, r, strings.Join(schools, ", "))
	case "passwd":
		pw, err := readPassword(stderr)
		if err != nil {
			return err
		}
		if err := us.SetPassword(ctx, *name, pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed; its sessions are signed out\n", *name)
	case "disable", "enable":
		if err := us.SetDisabled(ctx, *name, sub == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%sd %s\n", sub, *name)
	case "token":
		tok, err := us.IssueToken(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, tok)
	case "totp":
		if *remove {
			if err := us.RemoveTOTP(ctx, *name); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "removed the second factor of %s\n", *name)
			return nil
		}
		uri, err := us.EnrolTOTP(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "add this to the authenticator app of %s (as a QR code or typed in):\n%s\n", *name, uri)
	case "list":
		list, err := us.List(ctx)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "no entries")
		}
		for _, u := range list {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(stdout, "%-20s %-10s %-8s totp=%v %s\n", u.Name, u.Role, state, u.TOTP, strings.Join(u.Schools, ","))
		}
	default:
		return fmt.Errorf("%w: unknown user command %q", errUsage, sub)
	}
	return nil
}
