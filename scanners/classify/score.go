package classify

// The fused scorer: Best for a decoded model of at most three topics and
// at most 2^16 buckets (the embedded model has three and 2^16). It cuts
// and hashes exactly as chunker.each does (features.go), but finds each
// chunk's end first (chunkEnd: the cut depends on the bytes alone) and
// then adds each feature's weights the moment it hashes it, instead of
// listing the features and summing them per topic afterwards: one table
// load and one addition per feature for all topics together, no closures
// and no feature buffer.
//
// A bucket's weights are packed as the four 16-bit lanes of one uint64
// (type lanes): lane t < 3 holds topic t's weight plus 128 (0 to 255) and
// lane 3 holds 1. Adding a bucket adds every topic's weight and counts the
// feature with one load and one addition of the whole entry. (Rounds 6 to
// 8 packed the weights as the bytes of a uint32, a table of 256 KB instead
// of 512 KB, and took them apart with a mask and a second sum: three
// instructions more a feature; the larger table misses the caches more
// often, but timed in one process the pipeline is no slower for it, see
// docs/safeguarding-eval.md, speed round 9.) The lane sums are drained
// into int64 sums, less 128 a feature, before any lane can reach 2^16
// (see blockLen), and the int64 sums are converted to int32 at the end of
// the chunk, which wraps exactly as the reference's int32 sums do. The
// sums are integers, so neither the order of the additions nor the
// draining can change them, and a chunk's probability is then computed by
// the same expression as before (chunkP). The differential tests
// (differential_test.go) check the result is bit-identical to the
// reference implementation (reference_test.go) and to Chunks, which
// training reads.

const (
	fnvBasis = 2166136261
	fnvPrime = 16777619
	golden   = 0x9e3779b1 // Fibonacci hashing, as chunker.bucket
)

// cleanByte maps a byte of text to what the features read: a word byte
// (ASCII letter or digit, or any byte of 0x80 and above) lower-cased, an
// apostrophe as itself (dropped), anything else 0 (a separator). Every
// word byte is above the apostrophe.
var cleanByte = func() (t [256]byte) {
	for i := range t {
		b := byte(i)
		switch {
		case b >= 'a' && b <= 'z', b >= '0' && b <= '9', b >= 0x80:
			t[i] = b
		case b >= 'A' && b <= 'Z':
			t[i] = b + 'a' - 'A'
		case b == '\'':
			t[i] = '\''
		}
	}
	return t
}()

// lanes is a model's weights for the fused scorer (biased 16-bit lanes,
// see above), indexed by the top 16 bits of a feature's hash·golden. For a
// model of b < 16 bits each bucket is repeated 2^(16-b) times: entry j is
// bucket j>>(16-b), which is the top b bits of the same product, as
// chunker.bucket takes them.
type lanes [1 << 16]uint64

// newLanes packs w (nt int8 weights a bucket, nt at most three) of a
// model of bits bits, at most 16.
func newLanes(w []int8, nt, bits int) *lanes {
	l := new(lanes)
	for j := range l {
		f := j >> (16 - bits)
		v := uint64(1) << 48 // the feature count
		for t := range 3 {
			b := uint64(laneBias) // a topic the model lacks weighs 0
			if t < nt {
				b = uint64(int32(w[f*nt+t]) + laneBias)
			}
			v |= b << (16 * t)
		}
		l[j] = v
	}
	return l
}

// laneBias is added to each weight in lanes, so that it is from 0 to
// 255.
const laneBias = 128

// drain adds the lane sums sum to acc (three topic sums and the count),
// taking the bias of each feature away.
func drain(acc *[4]int64, sum uint64) {
	n := int64(sum >> 48)
	acc[0] += int64(sum&0xffff) - laneBias*n
	acc[1] += int64(sum>>16&0xffff) - laneBias*n
	acc[2] += int64(sum>>32&0xffff) - laneBias*n
	acc[3] += n
}

// undrain takes the lane sums sum away from acc (drain's inverse).
func undrain(acc *[4]int64, sum uint64) {
	n := int64(sum >> 48)
	acc[0] -= int64(sum&0xffff) - laneBias*n
	acc[1] -= int64(sum>>16&0xffff) - laneBias*n
	acc[2] -= int64(sum>>32&0xffff) - laneBias*n
	acc[3] -= n
}

// blockLen is the most bytes run reads before its lane sums are drained.
// A word byte adds one feature (its 4-gram) and a separator after a word
// three (the word, the pair, the space's 4-gram); a block of W word bytes
// has at most W+1 such separators (the first may end the previous
// block's word), so it adds at most W+3(W+1) features in 2W+1 bytes: at
// most 2·120+1 = 241, and no lane goes past 255·241 < 2^16.
const blockLen = 120

// bestFused is Best over m.lanes; best and spans have len(m.Topics)
// entries, set to -1 and zero.
func (m *Model) bestFused(text string, best []float64, spans [][2]int) {
	for start := 0; start < len(text); {
		end := chunkEnd(text, start)
		if acc := chunkSums(text[start:end], m.lanes); acc[3] > 0 {
			m.chunkP(&acc, start, end, best, spans)
		}
		start = end
	}
}

// chunkEnd returns the end of the chunk of text that starts at start, as
// chunker.each cuts it: after the first separator at least ChunkTarget
// bytes in that ends a sentence, or the first at least ChunkMax bytes in,
// or at the end of the text.
func chunkEnd(text string, start int) int {
	i := start + ChunkTarget
	// before ChunkMax only a sentence end ends a chunk, and every byte
	// that can end one (endByte) is a separator
	for hard := min(len(text), start+ChunkMax); i < hard; i++ {
		if endByte[text[i]] && sentenceEnd(text, i) {
			return i + 1
		}
	}
	for ; i < len(text); i++ {
		if cleanByte[text[i]] == 0 {
			return i + 1
		}
	}
	return len(text)
}

// endByte marks the bytes sentenceEnd can accept.
var endByte = [256]bool{'.': true, '!': true, '?': true, '\n': true}

// chunkSums returns the weight sums of the features of chunk (per topic,
// and their number in acc[3]).
//
// It adds a 4-gram for every byte pushed into the window, where the
// chunker adds one only once the window holds four bytes: the window
// starts as a space, so only the first two bytes pushed in a chunk make
// 4-grams the chunker does not, and coldFix takes those two away again.
func chunkSums(chunk string, tab *lanes) (acc [4]int64) {
	st := scan{word: fnvBasis, win: ' '}
	for bs := 0; bs < len(chunk); bs += blockLen {
		var sum uint64
		st, sum = run(chunk[bs:min(len(chunk), bs+blockLen)], st, tab)
		drain(&acc, sum)
	}
	if st.inWord {
		// a chunk ends in a word only at the end of the text
		drain(&acc, endWord(st, tab))
	}
	if acc[3] > 0 {
		undrain(&acc, coldFix(chunk, tab))
	}
	return acc
}

// scan is the state run carries from block to block: the chunker's (see
// chunker.each).
type scan struct {
	word   uint32 // FNV-1a of the current word
	win    uint32 // last 4 bytes of the cleaned stream
	prev   uint32 // hash of the previous word in this chunk (0: none)
	inWord bool
}

// run reads seg, a part of a chunk, from the state st; it returns the
// state after it and the lane sums of the features it read. It is the
// scorer's inner loop: a function of its own with few values, so that
// they stay in registers, and its two loops (in a word, between words)
// jump to each other instead of testing a flag at every byte. The loop in
// a word has one entry (the separators before the first word have a loop
// of their own): the compiler then checks tab for nil once, not at every
// look-up, as it does when both loops can be entered from outside.
func run(seg string, st scan, tab *lanes) (scan, uint64) {
	cb := cleanByte // a copy on the stack, read without reloading its address
	// wx is the window xor seedChar, the value a 4-gram is hashed from:
	// pushing c into the window is wx<<8 ^ c ^ winKey (win<<8 has a zero
	// low byte, so its | c is ^ c), one instruction less a byte than
	// keeping win and xoring it each time.
	word, wx, prev := st.word, st.win^seedChar, st.prev
	var sum uint64
	k := uint(0) // unsigned, so k < len(seg) alone proves seg[k] in range
	_ = tab[0]
	if !st.inWord {
		for ; k < uint(len(seg)); k++ {
			if cb[seg[k]] > '\'' {
				goto inWord
			}
		}
		return st, 0
	}
inWord:
	for ; k < uint(len(seg)); k++ {
		c := cb[seg[k]]
		if c > '\'' {
			word = (word ^ uint32(c)) * fnvPrime
			wx = wx<<8 ^ uint32(c) ^ winKey
			sum += tab[(wx*golden)>>16]
			continue
		}
		if c == 0 {
			goto wordEnd
		}
	}
	return scan{word: word, win: wx ^ seedChar, prev: prev, inWord: true}, sum
wordEnd:
	{
		// the word ends: the word, the pair with the previous word, and
		// the 4-gram ending in the space after it (as endWord)
		w := fmix(word ^ seedWord)
		sum += tab[(w*golden)>>16]
		if prev != 0 {
			sum += tab[((prev*31+w+seedBigram)*golden)>>16]
		}
		wx = wx<<8 ^ ' ' ^ winKey
		sum += tab[(wx*golden)>>16]
		word, prev = fnvBasis, w|1
	}
	// between words
	for ; k < uint(len(seg)); k++ {
		if cb[seg[k]] > '\'' {
			goto inWord
		}
	}
	return scan{word: word, win: wx ^ seedChar, prev: prev}, sum
}

// winKey is what pushing a byte into the window xors into wx besides the
// byte (see run).
const winKey = seedChar ^ seedChar<<8&0xffffffff

// endWord returns the lane sums of the features the end of the word in st
// makes (as run does).
func endWord(st scan, tab *lanes) uint64 {
	w := fmix(st.word ^ seedWord)
	sum := tab[(w*golden)>>16]
	if st.prev != 0 {
		sum += tab[((st.prev*31+w+seedBigram)*golden)>>16]
	}
	return sum + tab[(((st.win<<8|' ')^seedChar)*golden)>>16]
}

// coldFix returns the lane sums of the 4-grams run added for the first
// two bytes pushed into the window of chunk (which has a word): its first
// word byte, and the word's next byte or the space after a one-byte word.
func coldFix(chunk string, tab *lanes) uint64 {
	j := 0
	for cleanByte[chunk[j]] <= '\'' {
		j++
	}
	w2 := uint32(' ')<<8 | uint32(cleanByte[chunk[j]])
	w3 := w2<<8 | ' '
	for j++; j < len(chunk); j++ {
		if c := cleanByte[chunk[j]]; c != '\'' {
			if c != 0 {
				w3 = w2<<8 | uint32(c)
			}
			break
		}
	}
	return tab[((w2^seedChar)*golden)>>16] + tab[((w3^seedChar)*golden)>>16]
}

// chunkP turns a chunk's sums (acc: three topic sums, wrapped to int32
// as the reference's are, and the feature count) into per-topic
// probabilities and keeps the highest (the first chunk on a tie).
func (m *Model) chunkP(acc *[4]int64, start, end int, best []float64, spans [][2]int) {
	inv := Norm(int(acc[3]))
	for t := range best {
		p := sigmoid(float64(m.Bias[t]) + float64(m.Scale[t])*float64(int32(acc[t%3]))*inv)
		if p > best[t] {
			best[t], spans[t] = p, [2]int{start, end}
		}
	}
}
