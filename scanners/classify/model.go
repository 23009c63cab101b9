// Package classify is the trained text classifier that sits beside the
// safeguarding and profanity lexicons: one logistic regression per topic
// (self_harm, bullying, abusive) over hashed word, word-pair and character
// 4-gram features (features.go), its weights quantised to int8 and
// embedded (model.bin, written by cmd/lychgate-train; see
// docs/model-card.md for the data, the split, the metrics and the
// thresholds).
//
// A text is scored chunk by chunk (a few sentences at a time), so a long
// mail is judged by its most worrying passage and that passage is the
// evidence. Score is one pass over the text and allocates nothing once the
// buffers are warm; a Model is safe for concurrent use.
//
// The Scanner (scanner.go) reports a score above the thresholds of the
// model card as a finding: classifier_self_harm and classifier_bullying
// (category safeguarding), classifier_abusive (category profanity). The
// model is a statistical guess trained on adult and public data, not on
// school mail; it adds weight to the lexicons, it does not replace them.
package classify

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
)

//go:embed model.bin
var embedded []byte

// Magic starts a model file.
const Magic = "LGCLF1\n"

// Model is a set of per-topic logistic regressions over shared hashed
// features.
type Model struct {
	// Topics are the topic names, in weight order.
	Topics []string
	// Bits is log2 of the number of feature buckets.
	Bits int
	// Bias and Scale per topic: score = Bias + Scale·Σw / √n.
	Bias, Scale []float32
	// Low and Medium are the per-topic probability thresholds for the two
	// severities (chosen on the validation split; see the model card).
	Low, Medium []float32
	// W holds the int8 weights, bucket-major: W[f*len(Topics)+t]. Decode
	// derives lanes or packed from it, so W of a decoded model must not
	// change.
	W []int8
	// lanes holds W for the fused scorer (score.go) when there are at
	// most three topics and 16 bits; built by Decode.
	lanes *lanes
	// packed holds W four topics to a word for a decoded model of four
	// topics or more than 16 bits (at most four topics), so one load reads
	// a bucket on the chunker path.
	packed []uint32
	pool   sync.Pool
}

// Default returns the embedded model.
func Default() (*Model, error) {
	defaultOnce.Do(func() { defaultModel, defaultErr = Decode(embedded) })
	return defaultModel, defaultErr
}

var (
	defaultOnce  sync.Once
	defaultModel *Model
	defaultErr   error
)

// Encode writes m in the model file format: Magic, then little-endian
// uint32 bits and topic count, each topic as uint8 length and name, then
// float32 Bias, Scale, Low and Medium per topic, then the weights.
func (m *Model) Encode() []byte {
	var b bytes.Buffer
	b.WriteString(Magic)
	binary.Write(&b, binary.LittleEndian, uint32(m.Bits))
	binary.Write(&b, binary.LittleEndian, uint32(len(m.Topics)))
	for _, t := range m.Topics {
		b.WriteByte(byte(len(t)))
		b.WriteString(t)
	}
	for _, v := range [][]float32{m.Bias, m.Scale, m.Low, m.Medium} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	binary.Write(&b, binary.LittleEndian, m.W)
	return b.Bytes()
}

// Decode reads a model written by Encode.
func Decode(p []byte) (*Model, error) {
	if !bytes.HasPrefix(p, []byte(Magic)) {
		return nil, errors.New("classify: not a model file")
	}
	r := bytes.NewReader(p[len(Magic):])
	var bitsN, nt uint32
	if err := binary.Read(r, binary.LittleEndian, &bitsN); err != nil {
		return nil, fmt.Errorf("classify: read model: %w", err)
	}
	if err := binary.Read(r, binary.LittleEndian, &nt); err != nil {
		return nil, fmt.Errorf("classify: read model: %w", err)
	}
	if bitsN < 8 || bitsN > 24 || nt == 0 || nt > 16 {
		return nil, fmt.Errorf("classify: model has %d bits, %d topics", bitsN, nt)
	}
	m := &Model{Bits: int(bitsN)}
	for range nt {
		n, err := r.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("classify: read model: %w", err)
		}
		name := make([]byte, n)
		if _, err := r.Read(name); err != nil {
			return nil, fmt.Errorf("classify: read model: %w", err)
		}
		m.Topics = append(m.Topics, string(name))
	}
	for _, v := range []*[]float32{&m.Bias, &m.Scale, &m.Low, &m.Medium} {
		*v = make([]float32, nt)
		if err := binary.Read(r, binary.LittleEndian, *v); err != nil {
			return nil, fmt.Errorf("classify: read model: %w", err)
		}
	}
	m.W = make([]int8, (1<<bitsN)*int(nt))
	if err := binary.Read(r, binary.LittleEndian, m.W); err != nil {
		return nil, fmt.Errorf("classify: read weights: %w", err)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("classify: %d bytes after the weights", r.Len())
	}
	switch {
	case nt <= 3 && bitsN <= 16:
		m.lanes = newLanes(m.W, int(nt), int(bitsN))
	case nt <= 4:
		m.packed = make([]uint32, 1<<bitsN)
		for f := range m.packed {
			var v uint32
			for t := range int(nt) {
				v |= uint32(uint8(m.W[f*int(nt)+t])) << (8 * t)
			}
			m.packed[f] = v
		}
	}
	return m, nil
}

// Chunk is one scored passage of a text.
type Chunk struct {
	Start, End int // bytes of the text
	// P is the probability per topic (in Topics order).
	P []float64
}

func (m *Model) chunker() *chunker {
	if c, ok := m.pool.Get().(*chunker); ok {
		return c
	}
	return &chunker{shift: uint32(32 - m.Bits)}
}

// Best returns, per topic, the highest
// probability of any chunk of text and that chunk's span; best and spans
// are reused when large enough.
func (m *Model) Best(text string, best []float64, spans [][2]int) ([]float64, [][2]int) {
	nt := len(m.Topics)
	best = append(best[:0], make([]float64, nt)...)
	spans = append(spans[:0], make([][2]int, nt)...)
	for t := range best {
		best[t] = -1
	}
	if m.lanes != nil {
		m.bestFused(text, best, spans)
	} else {
		m.bestSlow(text, best, spans)
	}
	for t := range best {
		best[t] = max(best[t], 0)
	}
	return best, spans
}

// bestSlow is Best for a model the fused scorer cannot hold (more than
// three topics or 16 bits, or built in memory as by the training
// program): the features of each chunk from the chunker, then their
// weights summed per topic (from packed when Decode built it).
func (m *Model) bestSlow(text string, best []float64, spans [][2]int) {
	nt := len(m.Topics)
	var acc [16]int32
	c := m.chunker()
	c.each(text, func(start, end int, feats []uint32) {
		clear(acc[:nt])
		if m.packed != nil {
			var a0, a1, a2, a3 int32
			pk := m.packed
			for _, f := range feats {
				v := pk[f&uint32(len(pk)-1)]
				a0 += int32(int8(v))
				a1 += int32(int8(v >> 8))
				a2 += int32(int8(v >> 16))
				a3 += int32(int8(v >> 24))
			}
			acc[0], acc[1], acc[2], acc[3] = a0, a1, a2, a3
		} else {
			for _, f := range feats {
				w := m.W[int(f)*nt : int(f)*nt+nt]
				for t, v := range w {
					acc[t] += int32(v)
				}
			}
		}
		inv := Norm(len(feats))
		for t := range nt {
			p := sigmoid(float64(m.Bias[t]) + float64(m.Scale[t])*float64(acc[t])*inv)
			if p > best[t] {
				best[t], spans[t] = p, [2]int{start, end}
			}
		}
	})
	m.pool.Put(c)
}

// Score returns, per topic, the highest probability of any chunk of text.
func (m *Model) Score(text string) map[string]float64 {
	best, _ := m.Best(text, nil, nil)
	out := make(map[string]float64, len(best))
	for t, p := range best {
		out[m.Topics[t]] = p
	}
	return out
}

// NormExp is the exponent of the length normalisation: a chunk's weight
// sum is divided by n^NormExp for n features (0.5: by √n).
const NormExp = 0.5

// Norm returns the factor a chunk of n features' weight sum is multiplied
// by, in training and in scoring alike.
func Norm(n int) float64 {
	if NormExp == 0.5 {
		return 1 / math.Sqrt(float64(n))
	}
	return 1 / math.Pow(float64(n), NormExp)
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
