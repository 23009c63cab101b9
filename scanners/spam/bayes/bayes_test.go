package bayes

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lychgate/lychgate/internal/testutil/redistest"
	"github.com/lychgate/lychgate/message"
)

func parse(raw string) *message.Message {
	return message.Parse(context.Background(), []byte(strings.ReplaceAll(raw, "\n", "\r\n")), message.Limits{})
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    []string
		notWant []string
	}{
		{
			name: "plain words, subject prefix, long word",
			raw:  "From: Ann <ann@example.org>\nSubject: Lunch Friday\n\nShall we meet for lunch? Supercalifragilistic!\n",
			want: []string{"s:lunch", "s:friday", "shall", "meet", "lunch", "skip:s20", "h:from:example.org", "bi:meet for"},
		},
		{
			name:    "html is read as visible text plus markup tokens",
			raw:     "From: a@b.example\nSubject: x\nContent-Type: text/html\n\n<html><body><p style=\"display:none\">hidden words</p><b>Cheap</b> <font color=\"#ffffff\">pills</font></body></html>\n",
			want:    []string{"cheap", "pills", "html:font", "html:p", "html:trick:display:none", "ct:text/html"},
			notWant: []string{"<b>cheap</b>", "style"},
		},
		{
			name: "spelt-out and dotted words are joined",
			raw:  "From: a@b.example\nSubject: F R E E money\n\nBuy v.i.a.g.r.a now\n",
			want: []string{"s:free", "viagra", "obf:spelt", "s:money"},
		},
		{
			name: "look-alike letters give the folded skeleton",
			raw:  "From: a@b.example\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\nbuy v\u0456agra today\n",
			want: []string{"viagra", "obf:mixed"},
		},
		{
			name: "base64 and quoted-printable bodies are decoded first",
			raw: "From: a@b.example\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=BB\n\n--BB\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nV2luIGEgZnJlZSBjcnVpc2U=\n--BB\n" +
				"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nguaran=\nteed pri=7Aes\n--BB--\n",
			want: []string{"win", "free", "cruise", "guaranteed", "prizes", "h:boundary:a"},
		},
		{
			name: "links give host, domain and path tokens",
			raw:  "From: a@b.example\nSubject: x\n\nSee http://login.bank.example.net/verify/account and http://192.0.2.7/x\n",
			want: []string{"url:login.bank.example.net", "url:example.net", "url:p:verify", "url:p:account", "url:ip", "url:proto:http"},
		},
		{
			name: "received hops give the sender's domains and their alignment with From and Message-ID",
			raw: "Received: from zutroy.hq.dli.com (mail.dli.com [65.169.3.137])\n\tby relay.example (8.11.6) with ESMTP id g6O\n" +
				"Received: from kudu (colo-gwnat.dli.com [65.204.108.189]) by zutroy.hq.dli.com\n" +
				"Received: from helo.example ([192.0.2.9]) by mx.example\n" +
				"From: Slang <dailyslang@dli.com>\nMessage-ID: <924461.1027@mailer.dli.com>\nSubject: x\n\nhello there\n",
			want:    []string{"h:rcvd:dli.com", "h:rcvd:nordns", "h:align:received", "h:align:mid"},
			notWant: []string{"h:rcvd:mail.dli.com", "h:rcvd:relay.example"},
		},
		{
			name:    "a From domain no hop and no Message-ID shares is not aligned",
			raw:     "Received: from bank.example (dsl-7.isp.example [192.0.2.1]) by mx.example\nFrom: Bank <service@bank.example>\nMessage-ID: <1@isp.example>\nSubject: x\n\nverify your account\n",
			want:    []string{"h:rcvd:isp.example"},
			notWant: []string{"h:align:received", "h:align:mid", "h:rcvd:bank.example"},
		},
		{
			name:    "the sender's address shape: a display name in capitals, the local part's shape",
			raw:     "From: \"BEST DEALS\" <offers2041@deals.example>\nTo: Ann Smith <ann.smith@school.example>\nSubject: x\n\nhello there\n",
			want:    []string{"h:fromname:caps", "h:fromlocal:a9", "h:fromname:best"},
			notWant: []string{"h:fromlocal:a.a"},
		},
		{
			name:    "a person's name and a dotted local part",
			raw:     "From: Jane Doe <jane.doe@example.org>\nSubject: x\n\nhello there\n",
			want:    []string{"h:fromlocal:a.a"},
			notWant: []string{"h:fromname:caps"},
		},
		{
			name: "CJK text gives character pairs",
			raw:  "From: a@b.example\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\n出会い系サイト\n",
			want: []string{"出会", "会い", "h:charset:utf-8"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Tokenize(parse(tc.raw))
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("Tokenize() lacks %q; got %q", w, got)
				}
			}
			for _, w := range tc.notWant {
				if slices.Contains(got, w) {
					t.Errorf("Tokenize() has %q", w)
				}
			}
		})
	}
}

// TestTokenizeNetworks: every sender-side hop gives its network (IPv4
// /24, IPv6 /48); the receiving side's hops at the top of the chain (a
// local address, or a host under InternalHosts) give none.
func TestTokenizeNetworks(t *testing.T) {
	const tail = "From: a@b.example\nSubject: x\n\nhello there\n"
	tests := []struct {
		name     string
		internal []string
		raw      string
		want     []string
		notWant  []string
	}{
		{
			name: "every public hop of a message received from the Internet",
			raw: "Received: from mx.sender.example (mx.sender.example [198.51.100.7]) by mx.school.example\n" +
				"Received: from pc1 ([203.0.113.200]) by mx.sender.example\n" + tail,
			want: []string{"h:ip24:198.51.100", "h:ip24:203.0.113"},
		},
		{
			name: "loopback and private hops give no network",
			raw: "Received: from localhost (localhost [127.0.0.1]) by filter.school.example\n" +
				"Received: from mx.sender.example (mx.sender.example [198.51.100.7]) by mx.school.example\n" +
				"Received: from pc1 ([10.1.2.3]) by mx.sender.example\n" + tail,
			want:    []string{"h:ip24:198.51.100"},
			notWant: []string{"h:ip24:127.0.0", "h:ip24:10.1.2"},
		},
		{
			name:     "the receiving side's own hops at the top are skipped, by reverse DNS or, without one, by HELO",
			internal: []string{"school.example"},
			raw: "Received: from mail.school.example [192.0.2.25] by localhost with POP3 (fetchmail)\n" +
				"Received: from gw (relay1.school.example [192.0.2.26]) by mx.school.example\n" +
				"Received: from mx.sender.example (mx.sender.example [198.51.100.7])\n\tby gw.school.example\n" +
				"Received: from relay.school.example ([203.0.113.9]) by mx.sender.example\n" + tail,
			want:    []string{"h:ip24:198.51.100", "h:ip24:203.0.113"},
			notWant: []string{"h:ip24:192.0.2"},
		},
		{
			name: "IPv6 gives the /48",
			raw:  "Received: from mx.sender.example (mx.sender.example [IPv6:2001:db8:1234:5::25]) by mx.school.example\n" + tail,
			want: []string{"h:ip48:2001:db8:1234"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := TokenizeWith(parse(tc.raw), TokenizeOptions{InternalHosts: tc.internal})
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("TokenizeWith() lacks %q; got %q", w, got)
				}
			}
			for _, w := range tc.notWant {
				if slices.Contains(got, w) {
					t.Errorf("TokenizeWith() has %q; got %q", w, got)
				}
			}
		})
	}
}

func TestTokenizeBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@b.example\nSubject: big\n\n")
	for i := range 200000 {
		fmt.Fprintf(&b, "w%dx ", i)
	}
	got := Tokenize(parse(b.String()))
	if len(got) > MaxTokens {
		t.Errorf("len(Tokenize()) = %d, want at most %d", len(got), MaxTokens)
	}
}

var spamWords = strings.Fields("free money cash winner prize offer cheap pills viagra mortgage casino lottery click bonus credit guaranteed")
var hamWords = strings.Fields("homework lesson timetable parents evening report meeting minutes project science maths football trip permission rota")

// corpusMsg makes a message of words drawn from ws, varied by i.
func corpusMsg(ws []string, i int) *message.Message {
	var b strings.Builder
	fmt.Fprintf(&b, "From: sender%d@example.org\nSubject: %s %s\n\n", i%7, ws[i%len(ws)], ws[(i+3)%len(ws)])
	for j := range 30 {
		b.WriteString(ws[(i*7+j*3)%len(ws)])
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "\nref%d\n", i)
	return parse(b.String())
}

func train(t *testing.T, c *Classifier, n int) {
	t.Helper()
	tr := c.NewTrainer()
	for i := range n {
		tr.Add(corpusMsg(spamWords, i), Spam)
		tr.Add(corpusMsg(hamWords, i), Ham)
	}
	st, err := tr.Flush(t.Context())
	if err != nil {
		t.Fatalf("Flush() = %v", err)
	}
	if st.Learned != 2*n {
		t.Fatalf("Flush() learned %d, want %d", st.Learned, 2*n)
	}
}

func newRedisStore(t *testing.T) *RedisStore {
	t.Helper()
	srv := redistest.Start(t)
	st, err := NewRedisStore(RedisOptions{Client: srv.Client(t), Prefix: "lgtest", Scope: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestRoundTrip trains and classifies through the Redis store and the
// memory store, which must agree exactly: one code path, two stores.
func TestRoundTrip(t *testing.T) {
	stores := map[string]Store{"redis": newRedisStore(t), "mem": NewMemStore()}
	probs := map[string][2]float64{}
	for name, st := range stores {
		t.Run(name, func(t *testing.T) {
			c, err := New(Options{Store: st, MinSpam: 10, MinHam: 10})
			if err != nil {
				t.Fatal(err)
			}
			train(t, c, 20)
			spammy := parse("From: x@y.example\nSubject: free cash prize\n\nclaim your free cash prize and cheap pills now, click for the bonus\n")
			hammy := parse("From: head@school.example\nSubject: parents evening\n\nthe timetable for parents evening and the science project report\n")
			rs, err := c.Classify(t.Context(), spammy)
			if err != nil {
				t.Fatal(err)
			}
			rh, err := c.Classify(t.Context(), hammy)
			if err != nil {
				t.Fatal(err)
			}
			if rs.Cold || rs.Prob < 0.9 {
				t.Errorf("Classify(spammy) = %.3f cold=%v, want >= 0.9", rs.Prob, rs.Cold)
			}
			if rh.Cold || rh.Prob > 0.1 {
				t.Errorf("Classify(hammy) = %.3f cold=%v, want <= 0.1", rh.Prob, rh.Cold)
			}
			if len(rs.Clues) == 0 || rs.Clues[0].Prob < 0.5 {
				t.Errorf("Classify(spammy).Clues = %v, want spam clues first", rs.Clues)
			}
			if rs.Trained != (Counts{Spam: 20, Ham: 20}) {
				t.Errorf("Trained = %+v, want 20 and 20", rs.Trained)
			}
			probs[name] = [2]float64{rs.Prob, rh.Prob}
		})
	}
	if r, m := probs["redis"], probs["mem"]; math.Abs(r[0]-m[0]) > 1e-12 || math.Abs(r[1]-m[1]) > 1e-12 {
		t.Errorf("redis %v and memory %v stores disagree", r, m)
	}
}

// TestRoundTripSenderTokens trains, through Redis and memory, a school's
// newsletter (its own mail server, its own Message-IDs) and spam with the
// same marketing words sent from elsewhere: a new issue of the newsletter
// is ham on its sender tokens, and both stores agree.
func TestRoundTripSenderTokens(t *testing.T) {
	words := "special offer click here to unsubscribe free shipping order today"
	news := func(i int) *message.Message {
		return parse(fmt.Sprintf("Received: from out%d.news.example (mail%d.news.example [198.51.100.%d]) by mx.school.example\n"+
			"From: Shop News <news@news.example>\nMessage-ID: <%d@mailer.news.example>\nSubject: this week %d\n\n%s issue %d\n", i, i, i, i, i, words, i))
	}
	spamMsg := func(i int) *message.Message {
		return parse(fmt.Sprintf("Received: from news.example (dsl-%d.pool.isp.example [203.0.113.%d]) by mx.school.example\n"+
			"From: Shop News <news@news.example>\nMessage-ID: <%d@pool.isp.example>\nSubject: this week %d\n\n%s deal %d\n", i, i, i, i, words, i))
	}
	probs := map[string]float64{}
	for name, st := range map[string]Store{"redis": newRedisStore(t), "mem": NewMemStore()} {
		t.Run(name, func(t *testing.T) {
			c, err := New(Options{Store: st, MinSpam: 10, MinHam: 10})
			if err != nil {
				t.Fatal(err)
			}
			tr := c.NewTrainer()
			for i := range 20 {
				tr.Add(news(i), Ham)
				tr.Add(spamMsg(i), Spam)
			}
			if _, err := tr.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			r, err := c.Classify(t.Context(), news(99))
			if err != nil {
				t.Fatal(err)
			}
			if r.Prob > 0.1 {
				t.Errorf("new issue of the newsletter: p = %.3f, want <= 0.1; clues %v", r.Prob, r.Clues)
			}
			var sender bool
			for _, cl := range r.Clues {
				sender = sender || cl.Token == "h:align:received" || cl.Token == "h:align:mid" || cl.Token == "h:rcvd:news.example"
			}
			if !sender {
				t.Errorf("clues %v lack the sender's Received or alignment tokens", r.Clues)
			}
			probs[name] = r.Prob
		})
	}
	if math.Abs(probs["redis"]-probs["mem"]) > 1e-12 {
		t.Errorf("redis %v and memory %v stores disagree", probs["redis"], probs["mem"])
	}
}

// TestRoundTripNetworkTokens trains, through Redis and memory, ham and
// spam that differ only in the network of the sending hop, both relayed by
// the school's own gateway: a new message from the ham's network is ham
// on its "h:ip24:" token, the gateway's own network is never learnt, and
// both stores agree.
func TestRoundTripNetworkTokens(t *testing.T) {
	msg := func(net string, i int) *message.Message {
		return parse(fmt.Sprintf("Received: from gw.school.example (gw.school.example [192.0.2.1]) by mx.school.example\n"+
			"Received: from mta (mta%d.example [%s.%d]) by gw.school.example\n"+
			"From: Offers <offers@shop.example>\nMessage-ID: <%d@shop.example>\nSubject: offer %d\n\nspecial offer click here %d\n", i, net, i, i, i, i))
	}
	probs := map[string]float64{}
	for name, st := range map[string]Store{"redis": newRedisStore(t), "mem": NewMemStore()} {
		t.Run(name, func(t *testing.T) {
			c, err := New(Options{Store: st, MinSpam: 10, MinHam: 10, Tokenize: TokenizeOptions{InternalHosts: []string{"school.example"}}})
			if err != nil {
				t.Fatal(err)
			}
			if toks := c.Tokenize(msg("198.51.100", 1)); slices.Contains(toks, "h:ip24:192.0.2") || !slices.Contains(toks, "h:ip24:198.51.100") {
				t.Fatalf("Tokenize() = %q, want h:ip24:198.51.100 and not the gateway's h:ip24:192.0.2", toks)
			}
			tr := c.NewTrainer()
			for i := range 20 {
				tr.Add(msg("198.51.100", i), Ham)
				tr.Add(msg("203.0.113", 100+i), Spam) // another number: another message key
			}
			if _, err := tr.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			r, err := c.Classify(t.Context(), msg("198.51.100", 99))
			if err != nil {
				t.Fatal(err)
			}
			if r.Prob > 0.1 {
				t.Errorf("a new message from the ham's network: p = %.3f, want <= 0.1; clues %v", r.Prob, r.Clues)
			}
			if !slices.ContainsFunc(r.Clues, func(cl Clue) bool { return cl.Token == "h:ip24:198.51.100" && cl.Ham == 20 && cl.Spam == 0 }) {
				t.Errorf("clues %v lack h:ip24:198.51.100 with 20 ham, 0 spam", r.Clues)
			}
			s, err := c.Classify(t.Context(), msg("203.0.113", 199))
			if err != nil {
				t.Fatal(err)
			}
			if s.Prob < 0.9 {
				t.Errorf("a new message from the spam's network: p = %.3f, want >= 0.9; clues %v", s.Prob, s.Clues)
			}
			probs[name] = r.Prob
		})
	}
	if math.Abs(probs["redis"]-probs["mem"]) > 1e-12 {
		t.Errorf("redis %v and memory %v stores disagree", probs["redis"], probs["mem"])
	}
}

// TestLookupCluster: the pipelined lookup runs on Redis Cluster (every key
// shares the hash tag, so a pipeline never crosses nodes) and reads the
// same counts as the memory store, unknown tokens as zero, also over more
// keys than one pipeline takes.
func TestLookupCluster(t *testing.T) {
	cl := redistest.StartCluster(t)
	st, err := NewRedisStore(RedisOptions{Client: cl.Client(t), Prefix: "lgtest", Scope: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	mem := NewMemStore()
	b := &Batch{Tokens: map[string]Counts{"a": {Spam: 3}, "b": {Ham: 2}, "c": {Spam: 1, Ham: 4}}, Totals: Counts{Spam: 5, Ham: 7}, Learned: map[string]Label{"m1": Spam}}
	for _, s := range []Store{st, mem} {
		if err := s.Apply(t.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	keys := []string{"c", "unknown", "a", "b"}
	tr, got, err := st.Lookup(t.Context(), keys)
	if err != nil {
		t.Fatal(err)
	}
	mt, want, _ := mem.Lookup(t.Context(), keys)
	if tr != mt || !slices.Equal(got, want) {
		t.Errorf("cluster Lookup = %+v %+v, memory %+v %+v", tr, got, mt, want)
	}
	// More keys than one pipeline takes.
	many := make([]string, chunk+10)
	for i := range many {
		many[i] = fmt.Sprintf("k%d", i)
	}
	many[chunk+5] = "a"
	_, got, err = st.Lookup(t.Context(), many)
	if err != nil {
		t.Fatal(err)
	}
	if got[chunk+5] != (Counts{Spam: 3}) || got[0] != (Counts{}) {
		t.Errorf("chunked Lookup: [%d] = %+v, [0] = %+v", chunk+5, got[chunk+5], got[0])
	}
}

func TestColdStart(t *testing.T) {
	c, err := New(Options{Store: NewMemStore(), MinSpam: 50, MinHam: 50})
	if err != nil {
		t.Fatal(err)
	}
	train(t, c, 20)
	r, err := c.Classify(t.Context(), corpusMsg(spamWords, 1))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Cold || r.Prob != 0.5 || len(r.Clues) != 0 {
		t.Errorf("Classify() with 20 trained = %+v, want cold with p 0.5 and no clues", r)
	}
}

// TestRelearn: training again is a no-op; LearnHam moves a spam-trained
// message to ham; keys carry the hash tag and tokens expire.
func TestRelearn(t *testing.T) {
	st := newRedisStore(t)
	c, err := New(Options{Store: st, MinSpam: 1, MinHam: 1})
	if err != nil {
		t.Fatal(err)
	}
	raw := "From: x@y.example\nSubject: unique offer zebra\n\nzebra quagga okapi\n"
	m := parse(raw)
	ctx := t.Context()
	for range 2 {
		if err := c.Learn(ctx, m, Spam); err != nil {
			t.Fatal(err)
		}
	}
	tot, _, err := st.Lookup(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tot != (Counts{Spam: 1}) {
		t.Fatalf("totals after learning one message twice = %+v, want 1 spam", tot)
	}
	if err := c.LearnHam(ctx, []byte(strings.ReplaceAll(raw, "\n", "\r\n"))); err != nil {
		t.Fatal(err)
	}
	tot, counts, err := st.Lookup(ctx, []string{tokenKey("zebra")})
	if err != nil {
		t.Fatal(err)
	}
	if tot != (Counts{Ham: 1}) || counts[0] != (Counts{Ham: 1}) {
		t.Errorf("after LearnHam: totals %+v, zebra %+v; want both 0 spam 1 ham", tot, counts[0])
	}
	ttl, err := st.c.TTL(ctx, "lgtest:bayes:{s1}:t:"+tokenKey("zebra")).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 0 || ttl > DefaultTokenTTL {
		t.Errorf("token TTL = %v, want in (0, %v]", ttl, DefaultTokenTTL)
	}
	if n, err := st.c.Exists(ctx, st.TotalsKey()).Result(); err != nil || n != 1 || st.TotalsKey() != "lgtest:bayes:{s1}:n" {
		t.Errorf("totals key %q exists=%d err=%v", st.TotalsKey(), n, err)
	}
}

// TestFamilyCap trains a classifier where a crowd of HTML structure
// tokens is mildly spammy and a few words are hammy: with the cap the
// words win, without it the crowd counts many times over.
func TestFamilyCap(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c, err := New(Options{Store: st, MinSpam: 1, MinHam: 1})
	if err != nil {
		t.Fatal(err)
	}
	var crowd []string
	for i := range 40 {
		crowd = append(crowd, fmt.Sprintf("html:tag%d", i))
	}
	hammy := []string{"homework", "timetable", "parents"}
	tr := c.NewTrainer()
	for i := range 100 {
		// every spam has the crowd; 30 of 100 ham have it too, with the words
		tr.AddTokens(fmt.Sprintf("s%d", i), crowd, Spam)
		if i < 30 {
			tr.AddTokens(fmt.Sprintf("h%d", i), append(slices.Clone(crowd), hammy...), Ham)
		} else {
			tr.AddTokens(fmt.Sprintf("h%d", i), []string{"other"}, Ham)
		}
	}
	if _, err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	msg := append(slices.Clone(crowd), hammy...)
	capped, err := c.ClassifyTokens(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, cl := range capped.Clues {
		if strings.HasPrefix(cl.Token, "html:") {
			n++
		}
	}
	if n != DefaultMaxPerFamily {
		t.Errorf("capped clues hold %d html: tokens, want %d", n, DefaultMaxPerFamily)
	}
	uncappedC, err := New(Options{Store: st, MinSpam: 1, MinHam: 1, MaxPerFamily: -1})
	if err != nil {
		t.Fatal(err)
	}
	uncapped, err := uncappedC.ClassifyTokens(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	if !(capped.Prob < 0.5 && uncapped.Prob > capped.Prob) {
		t.Errorf("p capped = %.3f, uncapped = %.3f; want the capped verdict ham and below the uncapped one", capped.Prob, uncapped.Prob)
	}
}

// TestPairCap: of many word-pair clues at most MaxPairs are combined, and
// MaxPairs -1 (the default) combines them all.
func TestPairCap(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	var pairs []string
	for i := range 80 {
		pairs = append(pairs, fmt.Sprintf("bi:word%d next%d", i, i))
	}
	msg := append(slices.Clone(pairs), "homework", "timetable")
	c, err := New(Options{Store: st, MinSpam: 1, MinHam: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr := c.NewTrainer()
	for i := range 50 {
		tr.AddTokens(fmt.Sprintf("s%d", i), pairs, Spam)
		tr.AddTokens(fmt.Sprintf("h%d", i), []string{"homework", "timetable"}, Ham)
	}
	if _, err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	count := func(o Options) int {
		t.Helper()
		o.Store, o.MinSpam, o.MinHam = st, 1, 1
		c, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.ClassifyTokens(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, cl := range r.Clues {
			if strings.HasPrefix(cl.Token, "bi:") {
				n++
			}
		}
		return n
	}
	if n := count(Options{MaxPairs: 30}); n != 30 {
		t.Errorf("MaxPairs 30: %d bi: clues, want 30", n)
	}
	if n := count(Options{MaxPairs: 5}); n != 5 {
		t.Errorf("MaxPairs 5: %d bi: clues, want 5", n)
	}
	if n := count(Options{MaxPairs: -1}); n != len(pairs) {
		t.Errorf("MaxPairs -1: %d bi: clues, want %d", n, len(pairs))
	}
	if n := count(Options{}); n != len(pairs) {
		t.Errorf("default: %d bi: clues, want %d (no cap)", n, len(pairs))
	}
}

// TestTokenizeLongTextKeepsHeaders: a text with more distinct words than
// MaxTokens leaves room for the header tokens.
func TestTokenizeLongTextKeepsHeaders(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: Sender <a@b.example>\nMessage-ID: <x1@b.example>\nX-Mailer: Mailer 1.0\nSubject: big\n\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "w%dx ", i)
	}
	got := Tokenize(parse(b.String()))
	if len(got) > MaxTokens {
		t.Errorf("len(Tokenize()) = %d, want at most %d", len(got), MaxTokens)
	}
	for _, want := range []string{"h:from:b.example", "h:mid:b.example", "h:mailer:mailer"} {
		if !slices.Contains(got, want) {
			t.Errorf("Tokenize(long text) lacks %q", want)
		}
	}
}

// TestHeaderOpinion trains spam and ham that share their words but not
// their header tokens: the whole-message verdict stays unsure, the header
// opinion decides, and with the header opinion off Prob is the
// whole-message probability.
func TestHeaderOpinion(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c, err := New(Options{Store: st, MinSpam: 1, MinHam: 1})
	if err != nil {
		t.Fatal(err)
	}
	words := []string{"offer", "unsubscribe", "click"}
	var spamWords []string
	for i := range 20 {
		spamWords = append(spamWords, fmt.Sprintf("spamword%d", i))
	}
	tr := c.NewTrainer()
	for i := range 100 {
		tr.AddTokens(fmt.Sprintf("s%d", i), append(slices.Clone(words), "h:rcvd:nordns", "h:mailer:spamware"), Spam)
		tr.AddTokens(fmt.Sprintf("h%d", i), append(slices.Clone(words), "h:align:received", "h:from:shop.example"), Ham)
		tr.AddTokens(fmt.Sprintf("x%d", i), spamWords, Spam)
		tr.AddTokens(fmt.Sprintf("y%d", i), []string{"homework"}, Ham)
	}
	if _, err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// Many mildly spammy words and two ham header facts: the header
	// opinion pulls the verdict down.
	msg := append(slices.Clone(spamWords[:3]), "h:align:received", "h:from:shop.example")
	r, err := c.ClassifyTokens(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	if !(r.HeaderProb < 0.1 && r.Prob < r.WholeProb) {
		t.Errorf("whole %.4f header %.4f prob %.4f; want a hammy header opinion lowering the verdict", r.WholeProb, r.HeaderProb, r.Prob)
	}
	off, err := New(Options{Store: st, MinSpam: 1, MinHam: 1, HeaderWeight: -1})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := off.ClassifyTokens(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Prob != r2.WholeProb || r2.WholeProb != r.WholeProb || r2.HeaderProb != 0.5 {
		t.Errorf("header opinion off: prob %.4f whole %.4f header %.4f; want prob = whole = %.4f, header 0.5", r2.Prob, r2.WholeProb, r2.HeaderProb, r.WholeProb)
	}
	// No header clues: the header opinion is 0.5 and changes nothing.
	r3, err := c.ClassifyTokens(ctx, spamWords[:3])
	if err != nil {
		t.Fatal(err)
	}
	if r3.HeaderProb != 0.5 || math.Abs(r3.Prob-r3.WholeProb) > 1e-9 {
		t.Errorf("without header clues: prob %.6f whole %.6f header %.4f", r3.Prob, r3.WholeProb, r3.HeaderProb)
	}
}

func TestChi2(t *testing.T) {
	if got := chiCombine(nil); got != 0.5 {
		t.Errorf("chiCombine(nil) = %v, want 0.5", got)
	}
	strong := []Clue{{Prob: 0.99}, {Prob: 0.98}, {Prob: 0.97}}
	if got := chiCombine(strong); got < 0.95 {
		t.Errorf("chiCombine(spammy) = %v, want >= 0.95", got)
	}
	mixed := []Clue{{Prob: 0.99}, {Prob: 0.01}}
	if got := chiCombine(mixed); math.Abs(got-0.5) > 0.01 {
		t.Errorf("chiCombine(contradictory) = %v, want about 0.5", got)
	}
}

func benchMsg() *message.Message {
	return parse("From: \"Deals\" <deals@offers.example>\nSubject: LIMITED TIME: free cash prize!!!\nContent-Type: text/html\n\n" +
		strings.Repeat("<p>Dear friend, <b>claim</b> your <font color=red>FREE</font> prize at <a href=\"http://win.example.com/claim?id=1\">here</a>. Act now, limited time, guaranteed winner! </p>\n", 40))
}

func BenchmarkTokenize(b *testing.B) {
	m := benchMsg()
	b.ReportAllocs()
	for b.Loop() {
		Tokenize(m)
	}
}

func benchClassify(b *testing.B, st Store) {
	c, err := New(Options{Store: st, MinSpam: 10, MinHam: 10})
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
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Classify(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClassifyMem(b *testing.B) { benchClassify(b, NewMemStore()) }

func BenchmarkClassifyRedis(b *testing.B) {
	srv := redistest.Start(b)
	st, err := NewRedisStore(RedisOptions{Client: srv.Client(b)})
	if err != nil {
		b.Fatal(err)
	}
	benchClassify(b, st)
}

// BenchmarkLearn1000Redis trains 1,000 distinct messages per iteration
// against a real redis-server (the "under 5 s" budget).
func BenchmarkLearn1000Redis(b *testing.B) {
	srv := redistest.Start(b)
	st, err := NewRedisStore(RedisOptions{Client: srv.Client(b)})
	if err != nil {
		b.Fatal(err)
	}
	c, err := New(Options{Store: st})
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([]*message.Message, 1000)
	for i := range msgs {
		msgs[i] = corpusMsg(append(slices.Clone(spamWords), fmt.Sprintf("tok%d", i)), i)
	}
	round := 0
	for b.Loop() {
		round++
		start := time.Now()
		tr := c.NewTrainer()
		for i, m := range msgs {
			l := Spam
			if (i+round)%2 == 0 {
				l = Ham
			}
			tr.Add(m, l)
			if tr.Len() >= 500 {
				if _, err := tr.Flush(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		}
		if _, err := tr.Flush(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/1000msgs")
	}
}

// FuzzTokenize: any message tokenizes without panic, within MaxTokens,
// with no empty token.
func FuzzTokenize(f *testing.F) {
	f.Add("From: a@b.example\r\nSubject: F R E E\r\nContent-Type: text/html\r\n\r\n<font color=#fff size=1>v.i.a.g.r.a</font> http://x.example/a?b")
	f.Add("Subject: =?utf-8?b?5Ye65Lya44GE?=\r\n\r\n出会い系 \xff\xfe")
	f.Fuzz(func(t *testing.T, raw string) {
		toks := Tokenize(message.Parse(context.Background(), []byte(raw), message.Limits{}))
		if len(toks) > MaxTokens {
			t.Fatalf("%d tokens", len(toks))
		}
		for _, tok := range toks {
			if tok == "" {
				t.Fatal("empty token")
			}
		}
	})
}
