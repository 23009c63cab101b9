package bayes

import (
	"bytes"
	"context"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lychgate/lychgate/message"
)

// The byte n-gram opinion: a second, discriminative model beside the
// token counts, as the TREC spam tracks' best filters were built (Goodman
// & Yih 2006; Sculley & Wachman 2007; Cormack's reports). Its features
// are the overlapping 4-byte strings of the first NGramBytes of the
// message as the sender's side wrote it, headers included (ngramView),
// hashed into 2^NGramBits buckets, each present or not; a message's
// features have the value 1/sqrt(n+1) (n features and a bias), and its
// score is a logistic regression's log-odds, the sum of its buckets'
// weights. The weights are learnt online with a thick threshold: a
// message moves them only while its score is not yet NGramThick on the
// right side of 0, in ngramPasses passes over each batch. The model reads
// the raw bytes — header layout, encodings, markup, misspellings inside
// words — which the word tokens do not, so it ranks the messages between
// "ham" and "spam" differently: added to the token opinion's log-odds
// (Options.NGramWeight) it missed fewer spam at no more ham tagged on
// all four cross-validation fold assignments of the train split
// (docs/spam-eval.md, seventh round).
const (
	// NGramBytes is how much of the message (as sent) is read.
	NGramBytes = 3000
	// NGramBits is the bucket count's bit length.
	NGramBits = 20
	// NGramThick is the thick threshold: a message is trained while
	// y*score < NGramThick (y = 1 for spam, -1 for ham).
	NGramThick = 2
	// DefaultNGramWeight is the weight of the n-gram log-odds next to the
	// token opinion's.
	DefaultNGramWeight = 1
	ngramN             = 4
	ngramRate          = 4
	ngramPasses        = 5
	// ngramBias is the bucket of the bias weight (one past the hashed
	// buckets).
	ngramBias = 1 << NGramBits
	// tokenLogOdds bounds the token opinion's log-odds before the n-gram
	// opinion is added, so that a saturated chi-square (p within 1e-9 of
	// 0 or 1) can still be moved.
	tokenLogOdds = 20
)

// WeightStore is the part of a Store that holds the n-gram model. A Store
// without it (a custom one) gives no n-gram opinion. RedisStore and
// MemStore implement it.
type WeightStore interface {
	// Weights returns how many spam and ham messages the model was trained
	// on and the weight of each bucket, in order (0 for unknown buckets).
	Weights(ctx context.Context, buckets []uint32) (Counts, []float32, error)
	// AddWeights adds d to the weights and trained to the message counts.
	AddWeights(ctx context.Context, d map[uint32]float32, trained Counts) error
}

// NGramFeatures are the n-gram model's features of the raw message: the
// distinct hashed 4-byte buckets of what it reads (see ngramView), sorted.
// internal are the receiving side's hosts (TokenizeOptions.InternalHosts).
func NGramFeatures(raw []byte, internal []string) []uint32 {
	b := ngramView(raw, internal)
	out := make([]uint32, 0, len(b))
	for i := 0; i+ngramN <= len(b); i++ {
		h := uint32(2166136261)
		for _, c := range b[i : i+ngramN] {
			h ^= uint32(c)
			h *= 16777619
		}
		h ^= h >> 16
		h *= 0x7feb352d
		h ^= h >> 15
		out = append(out, h&(ngramBias-1))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ngramView is what the n-gram model reads of raw, at most NGramBytes: the
// header fields as the sender's side wrote them, the blank line, then the
// body as sent (encoded, markup and all). Fields the receiving side writes
// (receiverHeader: Return-Path, Delivered-To, X-Spam-*, ...) are left out,
// and so are the Received fields of the receiving side's own hops
// (TokenizeOptions.InternalHosts, loopback and private clients) at the top
// of the chain down to and including the first hop from outside, whose
// "by" names the receiver: they say how the mail reached the school, not
// what the sender did.
func ngramView(raw []byte, internal []string) []byte {
	hl, bs := message.HeaderEnd(raw)
	out := make([]byte, 0, NGramBytes)
	receiver := true
	t := tokenizer{o: TokenizeOptions{InternalHosts: internal}}
	hdr := raw[:hl]
	for len(hdr) > 0 && len(out) < NGramBytes {
		end := fieldEnd(hdr)
		field := hdr[:end]
		hdr = hdr[end:]
		name := ""
		if i := bytes.IndexByte(field, ':'); i > 0 {
			name = strings.ToLower(string(bytes.TrimSpace(field[:i])))
		}
		if name == "received" {
			if receiver {
				v := string(field[len("received:"):])
				helo, rdns, ok := receivedFrom(v)
				if ok {
					ip, hasIP := receivedIP(v)
					host := rdns
					if host == "" {
						host = helo
					}
					receiver = t.internalHop(host, ip, hasIP)
				}
				continue
			}
		} else if receiverHeader(name) {
			continue
		}
		out = append(out, field...)
	}
	if len(out) < NGramBytes {
		out = append(out, '\n')
	}
	if len(out) < NGramBytes && bs < len(raw) {
		out = append(out, raw[bs:min(len(raw), bs+NGramBytes-len(out))]...)
	}
	return out[:min(len(out), NGramBytes)]
}

// fieldEnd is the length of the header field at the start of hdr: its
// first line and its continuation lines.
func fieldEnd(hdr []byte) int {
	end := 0
	for {
		j := bytes.IndexByte(hdr[end:], '\n')
		if j < 0 {
			return len(hdr)
		}
		end += j + 1
		if end >= len(hdr) || (hdr[end] != ' ' && hdr[end] != '\t') {
			return end
		}
	}
}

// ngramValue is each feature's value in a message with n features.
func ngramValue(n int) float64 { return 1 / math.Sqrt(float64(n+1)) }

// ngramScore is the model's log-odds for features f under weights w
// (w[i] the weight of f[i], bias the bias weight).
func ngramScore(w []float32, bias float32, n int) float64 {
	s := float64(bias)
	for _, x := range w {
		s += float64(x)
	}
	return s * ngramValue(n)
}

// ngramOpinion looks up m's n-gram weights: the log-odds and whether the
// model is trained enough (cold false); ok is false without a
// WeightStore or with the opinion turned off.
func (c *Classifier) ngramOpinion(ctx context.Context, feats []uint32) (z float64, trained Counts, ok bool, err error) {
	ws, isWS := c.o.Store.(WeightStore)
	if !isWS || c.o.NGramWeight < 0 {
		return 0, Counts{}, false, nil
	}
	q := append(slices.Clip(feats), ngramBias)
	trained, w, err := ws.Weights(ctx, q)
	if err != nil {
		return 0, Counts{}, false, err
	}
	return ngramScore(w[:len(feats)], w[len(feats)], len(feats)), trained, true, nil
}

// ngramExample is one message to train the n-gram model on.
type ngramExample struct {
	feats []uint32
	spam  bool
}

// trainNGrams learns ex into the WeightStore: the weights of every bucket
// the batch has are read once, ngramPasses passes (each in a fixed
// shuffled order) train the messages whose score is not yet NGramThick on
// their side, and the changes are added to the store (added, not written,
// so that learners on two relay instances do not undo each other).
// trained is the change of the model's message counts.
func (c *Classifier) trainNGrams(ctx context.Context, ex []ngramExample, trained Counts) error {
	ws, ok := c.o.Store.(WeightStore)
	if !ok || c.o.NGramWeight < 0 || len(ex) == 0 {
		return nil
	}
	pos := map[uint32]int{}
	var buckets []uint32
	local := make([][]int32, len(ex))
	for i, e := range ex {
		local[i] = make([]int32, len(e.feats))
		for j, f := range e.feats {
			p, seen := pos[f]
			if !seen {
				p = len(buckets)
				pos[f] = p
				buckets = append(buckets, f)
			}
			local[i][j] = int32(p)
		}
	}
	bias := len(buckets)
	buckets = append(buckets, ngramBias)
	_, w, err := ws.Weights(ctx, buckets)
	if err != nil {
		return err
	}
	orig := slices.Clone(w)
	order := make([]int, len(ex))
	for i := range order {
		order[i] = i
	}
	for p := range ngramPasses {
		shuffle(order, p)
		for _, i := range order {
			v := ngramValue(len(local[i]))
			s := float64(w[bias])
			for _, x := range local[i] {
				s += float64(w[x])
			}
			s *= v
			y := -1.0
			if ex[i].spam {
				y = 1
			}
			if y*s >= NGramThick {
				continue
			}
			g := float32(ngramRate * ((y+1)/2 - 1/(1+math.Exp(-s))))
			gv := g * float32(v)
			for _, x := range local[i] {
				w[x] += gv
			}
			w[bias] += gv
		}
	}
	d := make(map[uint32]float32, len(buckets))
	for i, b := range buckets {
		if w[i] != orig[i] {
			d[b] = w[i] - orig[i]
		}
	}
	return ws.AddWeights(ctx, d, trained)
}

// shuffle permutes order for pass p, the same way every time: a learner's
// result depends only on its batch.
func shuffle(order []int, p int) {
	for j := range order {
		h := fnv.New32a()
		h.Write([]byte(strconv.Itoa(p) + "/" + strconv.Itoa(j)))
		k := int(h.Sum32() % uint32(len(order)))
		order[j], order[k] = order[k], order[j]
	}
}
