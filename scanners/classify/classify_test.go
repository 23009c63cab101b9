package classify

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners"
	"github.com/lychgate/lychgate/scanners/scannertest"
)

func TestEncodeDecode(t *testing.T) {
	t.Parallel()
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Encode(), embedded) {
		t.Fatal("Decode(embedded).Encode() differs from embedded")
	}
	if len(embedded) > 2<<20 {
		t.Errorf("model.bin is %d bytes, want at most 2 MiB", len(embedded))
	}
	if _, err := Decode(embedded[:len(embedded)-1]); err == nil {
		t.Error("Decode(truncated) = nil error, want one")
	}
	if _, err := Decode([]byte("nope")); err == nil {
		t.Error("Decode(garbage) = nil error, want one")
	}
}

func TestChunksCoverText(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("This is a sentence about nothing much at all. ", 40)
	last, n := 0, 0
	Chunks(18, text, func(start, end int, feats []uint32) {
		if start != last {
			t.Errorf("chunk starts at %d, want %d", start, last)
		}
		if end-start > ChunkMax+1 {
			t.Errorf("chunk of %d bytes, want at most %d", end-start, ChunkMax)
		}
		for _, f := range feats {
			if f >= 1<<18 {
				t.Fatalf("feature %d out of range", f)
			}
		}
		last = end
		n++
	})
	if strings.TrimSpace(text[last:]) != "" || n < 5 {
		t.Errorf("chunks end at %d of %d in %d chunks", last, len(text), n)
	}
}

// TestScoreDirections checks the trained model ranks a clear example of a
// topic above an ordinary school message, for each topic.
func TestScoreDirections(t *testing.T) {
	t.Parallel()
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ topic, pos, neg string }{
		{"self_harm", "I want to die. I can't do this anymore, I'm going to kill myself tonight", "The year 9 trip to the science museum leaves at 8am on Friday. Bring a packed lunch."},
		{"bullying", "you are a stupid ugly bitch and everyone hates you", "Please hand in your homework on Monday, thank you"},
		{"abusive", "shut the fuck up you dumb bitch", "Could you send me the minutes of the governors' meeting?"},
	}
	for _, tc := range tests {
		t.Run(tc.topic, func(t *testing.T) {
			t.Parallel()
			p, q := m.Score(tc.pos)[tc.topic], m.Score(tc.neg)[tc.topic]
			if p <= q {
				t.Errorf("Score(%q)[%s] = %.3f <= Score(%q) = %.3f", tc.pos, tc.topic, p, tc.neg, q)
			}
		})
	}
}

// tinyModel is a 2^16-bucket model whose only weight is on the features of
// the word "zorblax" for topic "self_harm".
func tinyModel(t *testing.T) *Model {
	t.Helper()
	m := &Model{Topics: []string{"self_harm", "abusive"}, Bits: 16, Bias: []float32{-4, -4}, Scale: []float32{0.1, 0.1},
		Low: []float32{0.5, 1}, Medium: []float32{0.9, 1}, W: make([]int8, 1<<16*2)}
	Chunks(16, "zorblax", func(_, _ int, feats []uint32) {
		for _, f := range feats {
			m.W[int(f)*2] = 127
		}
	})
	m2, err := Decode(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	return m2
}

func TestScanner(t *testing.T) {
	t.Parallel()
	s, err := New(Options{Model: tinyModel(t)})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("See you at football later, we are meeting by the gate as usual. ", 5)
	raw := "From: a@school.test\r\nTo: b@school.test\r\nSubject: hi\r\n\r\n" + long + "\r\n\r\nzorblax zorblax.\r\n"
	scannertest.Conformance(t, s, &scanners.Envelope{}, []byte(raw), []byte("Subject: hello\r\n\r\nlunch at noon?\r\n"))
	fs, err := s.Scan(t.Context(), message.Parse(context.Background(), []byte(raw), message.Limits{}.WithDefaults()), &scanners.Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Rule != "classifier_self_harm" || fs[0].Category != scanners.Safeguarding || fs[0].Severity != scanners.Medium {
		t.Fatalf("Scan: findings %+v, want one classifier_self_harm at medium", fs)
	}
	if ev := fs[0].Evidence; len(ev) != 1 || !strings.HasSuffix(ev[0].Text, "zorblax zorblax.") || ev[0].Offset < len(long)/2 {
		t.Errorf("evidence = %+v, want the last chunk, ending \"zorblax zorblax.\"", ev)
	}
	fs, err = s.Scan(t.Context(), message.Parse(context.Background(), []byte("Subject: x\r\n\r\n"+long+"\r\n"), message.Limits{}.WithDefaults()), &scanners.Envelope{})
	if err != nil || len(fs) != 0 {
		t.Errorf("Scan(clean) = %v, %v, want no findings", fs, err)
	}
}

// TestScanNoText: a message with no text at all (no subject, an empty or
// binary body) has no passage; the embedded model's aimed topic used to
// read the missing passage and panic (found by engine's corpus test on
// mime-torture messages with no text part).
func TestScanNoText(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{
		"From: a@school.test\r\n\r\n",
		"From: a@school.test\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n",
		"",
	} {
		fs, err := s.Scan(t.Context(), message.Parse(context.Background(), []byte(raw), message.Limits{}.WithDefaults()), &scanners.Envelope{})
		if err != nil || len(fs) != 0 {
			t.Errorf("Scan(%q) = %v, %v, want no findings and no error", raw, fs, err)
		}
	}
}

// BenchmarkScore measures the classifier on ham corpus text.
func BenchmarkScore(b *testing.B) {
	m, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	n := 0
	for _, dir := range []string{"../../../shared/corpus/spamassassin/ham", "../../../../shared/corpus/spamassassin/ham"} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			raw, err := os.ReadFile(dir + "/" + e.Name())
			if err != nil {
				continue
			}
			msg := message.Parse(context.Background(), raw, message.Limits{}.WithDefaults())
			for _, t := range msg.Texts {
				texts = append(texts, t.Content)
				n += len(t.Content)
			}
			if len(texts) > 500 {
				break
			}
		}
		if len(texts) > 0 {
			break
		}
	}
	if len(texts) == 0 {
		b.Skip("ham corpus absent")
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	var best []float64
	var spans [][2]int
	for b.Loop() {
		for _, t := range texts {
			best, spans = m.Best(t, best, spans)
		}
	}
}

func FuzzChunks(f *testing.F) {
	f.Add("I want to die. Nobody would miss me.\n\nsee you later")
	f.Add(strings.Repeat("x", 3000))
	f.Add("\xff\xfe🖕 you're. so. ugly!!!")
	f.Fuzz(func(t *testing.T, text string) {
		last := 0
		Chunks(12, text, func(start, end int, feats []uint32) {
			if start < last || end < start || end > len(text) {
				t.Fatalf("chunk [%d,%d) after %d in %d bytes", start, end, last, len(text))
			}
			for _, x := range feats {
				if x >= 1<<12 {
					t.Fatalf("feature %d out of range", x)
				}
			}
			last = end
		})
	})
}

// TestBestMatchesFeatures checks that Best, which adds each feature's
// weights as it hashes it, scores every chunk exactly as the weights of
// the features Chunks lists (what training reads) say it should.
func TestBestMatchesFeatures(t *testing.T) {
	t.Parallel()
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	nt := len(m.Topics)
	for _, text := range []string{
		"I want to die. Nobody would miss me.\n\nsee you later",
		strings.Repeat("you are so ugly and nobody likes you. ", 80),
		"\xff\xfe🖕 you're. so. ugly!!!",
		"",
		"a",
		"Meeting moved to 3pm, see the agenda attached.",
	} {
		want := make([]float64, nt)
		for i := range want {
			want[i] = -1
		}
		Chunks(m.Bits, text, func(_, _ int, feats []uint32) {
			for tp := range nt {
				var acc int32
				for _, f := range feats {
					acc += int32(m.W[int(f)*nt+tp])
				}
				want[tp] = max(want[tp], sigmoid(float64(m.Bias[tp])+float64(m.Scale[tp])*float64(acc)*Norm(len(feats))))
			}
		})
		got, _ := m.Best(text, nil, nil)
		for tp := range nt {
			if w := max(want[tp], 0); got[tp] != w {
				t.Errorf("Best(%.30q)[%s] = %v, want %v", text, m.Topics[tp], got[tp], w)
			}
		}
	}
}
