package classify

import "math"

// The reference implementation: Model.Best and the chunker exactly as they
// were before the fused scorer (model.go, score.go) replaced them, kept
// here so the differential tests (differential_test.go) can prove the fast
// code gives bit-identical probabilities and spans. Do not optimise this
// file; it is the specification.

func refChunks(bits int, text string, fn func(start, end int, feats []uint32)) {
	shift := uint32(32 - bits)
	bucket := func(h uint32) uint32 { return (h * 0x9e3779b1) >> shift }
	var feats []uint32
	start := 0
	var word uint32 = 2166136261 // FNV-1a of the current word
	wlen := 0
	var prev uint32 // hash of the previous word in this chunk (0: none)
	var win uint32  // last 4 bytes of the cleaned stream
	nwin := 0
	endWord := func() {
		if wlen == 0 {
			return
		}
		w := refFmix(word ^ refSeedWord)
		feats = append(feats, bucket(w))
		if prev != 0 {
			feats = append(feats, bucket(prev*31+w+refSeedBigram))
		}
		prev = w | 1
		word, wlen = 2166136261, 0
		// the space after the word
		win = win<<8 | ' '
		if nwin++; nwin >= 4 {
			feats = append(feats, bucket(win^refSeedChar))
		}
	}
	emit := func(end int) {
		endWord()
		if len(feats) > 0 {
			fn(start, end, feats)
		}
		feats = feats[:0]
		start = end
		prev, win, nwin = 0, 0, 0
	}
	for i := 0; i < len(text); i++ {
		b := text[i]
		switch {
		case b >= 'a' && b <= 'z', b >= '0' && b <= '9', b >= 0x80:
		case b >= 'A' && b <= 'Z':
			b += 'a' - 'A'
		case b == '\'':
			continue
		default:
			endWord()
			if i-start >= ChunkTarget && refSentenceEnd(text, i) {
				emit(i + 1)
			} else if i-start >= ChunkMax {
				emit(i + 1)
			}
			continue
		}
		word = (word ^ uint32(b)) * 16777619
		wlen++
		if nwin == 0 && wlen == 1 && prev == 0 {
			// chunk start: a leading space so 4-grams see the word edge
			win = ' '
			nwin = 1
		}
		win = win<<8 | uint32(b)
		if nwin++; nwin >= 4 {
			feats = append(feats, bucket(win^refSeedChar))
		}
	}
	emit(len(text))
}

func refSentenceEnd(text string, i int) bool {
	switch text[i] {
	case '.', '!', '?':
		return i+1 >= len(text) || text[i+1] == ' ' || text[i+1] == '\n' || text[i+1] == '\r'
	case '\n':
		return true
	}
	return false
}

// refBest is the old Model.Best (its unpacked path, which the packed one
// matched: integer sums do not depend on the order of the additions).
func refBest(m *Model, text string) ([]float64, [][2]int) {
	nt := len(m.Topics)
	best := make([]float64, nt)
	spans := make([][2]int, nt)
	for t := range best {
		best[t] = -1
	}
	var acc [16]int32
	refChunks(m.Bits, text, func(start, end int, feats []uint32) {
		clear(acc[:nt])
		for _, f := range feats {
			w := m.W[int(f)*nt : int(f)*nt+nt]
			for t, v := range w {
				acc[t] += int32(v)
			}
		}
		inv := refNorm(len(feats))
		for t := range nt {
			p := refSigmoid(float64(m.Bias[t]) + float64(m.Scale[t])*float64(acc[t])*inv)
			if p > best[t] {
				best[t], spans[t] = p, [2]int{start, end}
			}
		}
	})
	for t := range best {
		best[t] = max(best[t], 0)
	}
	return best, spans
}

func refNorm(n int) float64 { return 1 / math.Sqrt(float64(n)) }

func refSigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

const (
	refSeedWord   = 0x9e3779b1
	refSeedBigram = 0x85ebca77
	refSeedChar   = 0xc2b2ae3d
)

func refFmix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
