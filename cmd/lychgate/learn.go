package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"github.com/lychgate/lychgate/scanners/all"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners/spam"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
)

// learnBatch is how many messages are trained per store write.
const learnBatch = 500

// runLearn trains the spam classifier (a contract):
//
//	lychgate learn --config FILE --spam|--ham PATH...
//
// PATH is a message file, an mbox file (first line "From "), or a folder of
// them (walked recursively). Counts go to the Redis of the configuration,
// in batches of pipelined writes.
func runLearn(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("learn", stderr)
	cfgFlag := fl.String("config", "", "configuration file")
	asSpam := fl.Bool("spam", false, "train the messages as spam")
	asHam := fl.Bool("ham", false, "train the messages as ham")
	paths, err := parseInterspersed(fl, args)
	if err != nil {
		return err
	}
	if *asSpam == *asHam {
		return fmt.Errorf("%w: give exactly one of --spam and --ham", errUsage)
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: no PATH to learn from", errUsage)
	}
	label := bayes.Ham
	if *asSpam {
		label = bayes.Spam
	}
	cfg, err := loadConfig(*cfgFlag, false)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errReported
	}
	rdb, err := newRedis(cfg)
	if err != nil {
		return err
	}
	defer rdb.Close()
	lim := all.Limits(cfg)
	cls, err := spam.NewClassifier(spamConfig(cfg).Bayes, rdb, cfg.Redis.KeyPrefix, lim)
	if err != nil {
		return err
	}
	ctx := context.Background()
	start := time.Now()
	tr := cls.NewTrainer()
	var total bayes.Stats
	flush := func() error {
		st, err := tr.Flush(ctx)
		if err != nil {
			return fmt.Errorf("learn: %w", err)
		}
		total.Learned += st.Learned
		total.Relabelled += st.Relabelled
		total.Skipped += st.Skipped
		return nil
	}
	add := func(raw []byte) error {
		tr.Add(message.Parse(context.Background(), raw, lim), label)
		if tr.Len() >= learnBatch {
			return flush()
		}
		return nil
	}
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if !bytes.HasPrefix(raw, []byte("From ")) {
				return add(raw)
			}
			for _, m := range splitMbox(raw) {
				if err := add(m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("learn: %w", err)
		}
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "learnt %d messages as %s (%d moved from the other class, %d already learnt) in %v\n",
		total.Learned+total.Relabelled, label, total.Relabelled, total.Skipped, time.Since(start).Round(time.Millisecond))
	return nil
}

// splitMbox splits an mbox (mboxrd: "From " separator lines, ">From "
// unquoted) into messages.
func splitMbox(raw []byte) [][]byte {
	var out [][]byte
	var cur bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	started := false
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.HasPrefix(line, []byte("From ")) {
			if started && cur.Len() > 0 {
				out = append(out, bytes.Clone(cur.Bytes()))
			}
			cur.Reset()
			started = true
			continue
		}
		if q := bytes.TrimLeft(line, ">"); len(q) < len(line) && bytes.HasPrefix(q, []byte("From ")) {
			line = line[1:]
		}
		cur.Write(line)
		cur.WriteString("\r\n")
	}
	if cur.Len() > 0 {
		out = append(out, bytes.Clone(cur.Bytes()))
	}
	return out
}
