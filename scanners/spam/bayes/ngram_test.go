package bayes

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/message"
)

func TestNGramView(t *testing.T) {
	raw := strings.ReplaceAll("Return-Path: <bounce@sender.example>\n"+
		"Delivered-To: pupil@school.example\n"+
		"Received: from localhost (localhost [127.0.0.1])\n\tby mx2.school.example with ESMTP\n"+
		"Received: from mail.sender.example (mail.sender.example [198.51.100.7])\n\tby mx.school.example with ESMTP\n"+
		"X-Spam-Status: No\n"+
		"Received: from pc1 (pc1.sender.example [192.168.1.5]) by mail.sender.example\n"+
		"From: Ann <ann@sender.example>\nSubject: hello\n\nbody text\n", "\n", "\r\n")
	v := string(ngramView([]byte(raw), []string{"school.example"}))
	for _, want := range []string{"Received: from pc1 (pc1.sender.example", "From: Ann", "Subject: hello\r\n\nbody text"} {
		if !strings.Contains(v, want) {
			t.Errorf("ngramView lacks %q:\n%s", want, v)
		}
	}
	for _, not := range []string{"Return-Path", "Delivered-To", "X-Spam", "127.0.0.1", "198.51.100.7", "mx.school.example"} {
		if strings.Contains(v, not) {
			t.Errorf("ngramView has the receiver's %q:\n%s", not, v)
		}
	}
	long := "From: a@b.example\r\n\r\n" + strings.Repeat("x", 2*NGramBytes)
	if n := len(ngramView([]byte(long), nil)); n != NGramBytes {
		t.Errorf("len(ngramView(long)) = %d, want %d", n, NGramBytes)
	}
	f := NGramFeatures([]byte(long), nil)
	for i := 1; i < len(f); i++ {
		if f[i] <= f[i-1] || f[i] >= ngramBias {
			t.Fatalf("NGramFeatures not distinct, sorted and below %d: %v", ngramBias, f)
		}
	}
}

// bytesMsg is a message whose classes differ in how the bytes are written
// (the mailer's header layout and encoding), not in their words.
func bytesMsg(spam bool, i int) *message.Message {
	words := "please find the notes for the meeting on thursday and the plan"
	if spam {
		return parse(fmt.Sprintf("FROM: <x%d@mailer%d.example>\nSUBJECT: notes %d\nX-MAILER: MASSMAIL 2.1\nCONTENT-TYPE: TEXT/PLAIN; CHARSET=\"ISO-8859-1\"\n"+
			"CONTENT-TRANSFER-ENCODING: QUOTED-PRINTABLE\n\n%s=20=20%d=\n=20\n", i, i%5, i, strings.ReplaceAll(words, " ", "=20"), i))
	}
	return parse(fmt.Sprintf("From: Sam <sam%d@school%d.example>\nSubject: notes %d\nUser-Agent: Mutt/1.4\nContent-Type: text/plain; charset=us-ascii\n\n%s %d\n",
		i, i%5, i, words, i))
}

func trainBytes(t *testing.T, c *Classifier, n int) {
	t.Helper()
	tr := c.NewTrainer()
	for i := range n {
		tr.Add(bytesMsg(true, i), Spam)
		tr.Add(bytesMsg(false, i), Ham)
	}
	if _, err := tr.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestNGramRoundTrip trains messages that differ only in how their bytes
// are written through the Redis store and the memory store: the n-gram
// model tells new ones apart, both stores agree exactly, and in Redis the
// weights live under the classifier's hash tag with the trained counts.
func TestNGramRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	client := srv.Client(t)
	rs, err := NewRedisStore(RedisOptions{Client: client, Prefix: "lgtest", Scope: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]float64{}
	for name, st := range map[string]Store{"redis": rs, "mem": NewMemStore()} {
		c, err := New(Options{Store: st, MinSpam: 10, MinHam: 10})
		if err != nil {
			t.Fatal(err)
		}
		trainBytes(t, c, 20)
		s, err := c.Classify(t.Context(), bytesMsg(true, 99))
		if err != nil {
			t.Fatal(err)
		}
		h, err := c.Classify(t.Context(), bytesMsg(false, 99))
		if err != nil {
			t.Fatal(err)
		}
		if s.NGramCold || s.NGramTrained != (Counts{Spam: 20, Ham: 20}) {
			t.Errorf("%s: NGramCold %v, NGramTrained %+v, want warm with 20 and 20", name, s.NGramCold, s.NGramTrained)
		}
		if s.NGram < 1 || h.NGram > -1 {
			t.Errorf("%s: n-gram log-odds spam %.3f, ham %.3f; want >= 1 and <= -1", name, s.NGram, h.NGram)
		}
		got[name] = [2]float64{s.NGram, h.NGram}
	}
	if r, m := got["redis"], got["mem"]; r != m {
		t.Errorf("redis %v and memory %v stores disagree", r, m)
	}
	keys, err := client.Keys(t.Context(), "lgtest:bayes:{n1}:w:*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("weight keys = %v, %v", keys, err)
	}
	ttl, err := client.TTL(t.Context(), keys[0]).Result()
	if err != nil || ttl <= 0 {
		t.Errorf("TTL(%s) = %v, %v; want the token TTL", keys[0], ttl, err)
	}
	n, err := client.HGetAll(t.Context(), rs.WeightsTotalsKey()).Result()
	if err != nil || n["s"] != "20" || n["h"] != "20" {
		t.Errorf("HGETALL %s = %v, %v", rs.WeightsTotalsKey(), n, err)
	}
}

// TestNGramCluster: the weights are read and added on Redis Cluster
// (one hash tag, so one slot) as in the memory store.
func TestNGramCluster(t *testing.T) {
	cl := redistest.StartCluster(t)
	st, err := NewRedisStore(RedisOptions{Client: cl.Client(t), Prefix: "lgtest", Scope: "c2"})
	if err != nil {
		t.Fatal(err)
	}
	mem := NewMemStore()
	d := map[uint32]float32{1: 0.5, 4097: -0.25, ngramBias: 1.5}
	for _, s := range []WeightStore{st, mem} {
		for range 2 {
			if err := s.AddWeights(t.Context(), d, Counts{Spam: 1}); err != nil {
				t.Fatal(err)
			}
		}
	}
	q := []uint32{4097, 7, ngramBias, 1}
	rn, rw, err := st.Weights(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	mn, mw, _ := mem.Weights(t.Context(), q)
	want := []float32{-0.5, 0, 3, 1}
	for i := range q {
		if rw[i] != want[i] || mw[i] != want[i] {
			t.Errorf("Weights(%d) = cluster %v, memory %v, want %v", q[i], rw[i], mw[i], want[i])
		}
	}
	if rn != (Counts{Spam: 2}) || mn != rn {
		t.Errorf("trained = cluster %+v, memory %+v, want 2 spam", rn, mn)
	}
}

// TestNGramCold: a store trained before the n-gram model existed (or with
// it off) has no n-gram counts; the classifier says so and scores by the
// tokens alone, then uses the model once it is trained enough.
func TestNGramCold(t *testing.T) {
	st := NewMemStore()
	off, err := New(Options{Store: st, MinSpam: 10, MinHam: 10, NGramWeight: -1})
	if err != nil {
		t.Fatal(err)
	}
	trainBytes(t, off, 20)
	on, err := New(Options{Store: st, MinSpam: 10, MinHam: 10})
	if err != nil {
		t.Fatal(err)
	}
	m := bytesMsg(true, 99)
	r, err := on.Classify(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	ro, err := off.Classify(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	if !r.NGramCold || r.NGramTrained != (Counts{}) || r.Prob != ro.Prob || ro.NGramCold {
		t.Errorf("untrained n-gram model: cold %v trained %+v p %v; tokens alone p %v", r.NGramCold, r.NGramTrained, r.Prob, ro.Prob)
	}
	// Learning the same messages again trains nothing (already learnt);
	// new ones train the n-gram model, which is warm at 10 and 10.
	tr := on.NewTrainer()
	for i := 100; i < 110; i++ {
		tr.Add(bytesMsg(true, i), Spam)
		tr.Add(bytesMsg(false, i), Ham)
	}
	if _, err := tr.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	r, err = on.Classify(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	if r.NGramCold || r.NGramTrained != (Counts{Spam: 10, Ham: 10}) || r.NGram <= 0 {
		t.Errorf("after 10 and 10: cold %v trained %+v log-odds %v", r.NGramCold, r.NGramTrained, r.NGram)
	}
	if want := sigmoid(max(min(logOdds(ro.Prob), tokenLogOdds), -tokenLogOdds) + r.NGram); math.Abs(r.Prob-want) > 1e-12 {
		t.Errorf("Prob = %v, want the token opinion's log-odds plus the n-gram's: %v", r.Prob, want)
	}
}

// TestNGramLearnHam: "not a problem" on a message learnt as spam moves it
// to ham in the n-gram model too: the counts move and its score falls.
func TestNGramLearnHam(t *testing.T) {
	srv := redistest.Start(t)
	st, err := NewRedisStore(RedisOptions{Client: srv.Client(t), Prefix: "lgtest", Scope: "n2"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{Store: st, MinSpam: 10, MinHam: 10})
	if err != nil {
		t.Fatal(err)
	}
	trainBytes(t, c, 20)
	m := bytesMsg(true, 3) // learnt as spam
	before, err := c.Classify(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LearnHam(t.Context(), m.Raw); err != nil {
		t.Fatal(err)
	}
	after, err := c.Classify(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	if after.NGramTrained != (Counts{Spam: 19, Ham: 21}) {
		t.Errorf("NGramTrained after LearnHam = %+v, want 19 spam and 21 ham", after.NGramTrained)
	}
	if after.NGram > -NGramThick+0.5 || after.NGram >= before.NGram {
		t.Errorf("n-gram log-odds %.3f before LearnHam, %.3f after; want it pushed to about -%d", before.NGram, after.NGram, NGramThick)
	}
}

// TestNGramUnavailable: a store that cannot be read is an error within
// the caller's deadline, not a guess and not a hang.
func TestNGramUnavailable(t *testing.T) {
	srv := redistest.Start(t)
	st, err := NewRedisStore(RedisOptions{Client: srv.Client(t), Prefix: "lgtest"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop(t)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, _, err := st.Weights(ctx, []uint32{1}); err == nil {
		t.Error("Weights with redis stopped: no error")
	}
	if err := st.AddWeights(ctx, map[uint32]float32{1: 1}, Counts{Spam: 1}); err == nil {
		t.Error("AddWeights with redis stopped: no error")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v past a 200 ms deadline", d)
	}
}

func BenchmarkNGramFeatures(b *testing.B) {
	raw := benchMsg().Raw
	b.ReportAllocs()
	b.SetBytes(int64(min(len(raw), NGramBytes)))
	for b.Loop() {
		NGramFeatures(raw, nil)
	}
}

// BenchmarkClassifyRedisTokensOnly is BenchmarkClassifyRedis without the
// n-gram model (NGramWeight -1): the difference is the model's cost.
func BenchmarkClassifyRedisTokensOnly(b *testing.B) {
	srv := redistest.Start(b)
	st, err := NewRedisStore(RedisOptions{Client: srv.Client(b)})
	if err != nil {
		b.Fatal(err)
	}
	c, err := New(Options{Store: st, MinSpam: 10, MinHam: 10, NGramWeight: -1})
	if err != nil {
		b.Fatal(err)
	}
	tr := c.NewTrainer()
	for i := range 200 {
		tr.Add(corpusMsg(spamWords, i), Spam)
		tr.Add(corpusMsg(hamWords, i), Ham)
	}
	if _, err := tr.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	m := benchMsg()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Classify(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}
