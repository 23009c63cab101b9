package classify

// Features: the text is cut into chunks of whole sentences (about
// ChunkTarget bytes each, never more than ChunkMax), and each chunk becomes
// a bag of hashed features:
//
//   - every word (ASCII letters and digits lower-cased, apostrophes dropped,
//     other bytes of 0x80 and above kept, so emoji and accented words are
//     words too),
//   - every pair of neighbouring words,
//   - every 4-byte window of the chunk's words joined by single spaces
//     (character 4-grams across word edges).
//
// Training reads the features through Chunks (chunker.each below), and so
// does Best for a model the fused scorer cannot hold; Best on a decoded
// model of up to three topics and 2^16 buckets computes the same sums in
// one fused pass (score.go). The differential tests hold the two to
// bit-identical results, so they cannot drift apart. Both are one pass
// over the bytes.

// Chunk sizes in bytes of original text.
const (
	ChunkTarget = 200
	ChunkMax    = 1000
)

const (
	seedWord   = 0x9e3779b1
	seedBigram = 0x85ebca77
	seedChar   = 0xc2b2ae3d
)

func fmix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// chunker cuts text into chunks and hashes their features; it reuses its
// buffer and is not safe for concurrent use.
type chunker struct {
	shift uint32 // 32 - bits: a feature is the top bits of hash·golden
	feats []uint32
}

// bucket maps a 32-bit hash to a feature bucket (Fibonacci hashing: the
// top bits of one multiplication).
func (c *chunker) bucket(h uint32) uint32 { return (h * 0x9e3779b1) >> c.shift }

// each calls fn for every chunk of text: its byte span and its features
// (hashed into [0, 2^bits); the slice is reused after fn returns).
func (c *chunker) each(text string, fn func(start, end int, feats []uint32)) {
	c.feats = c.feats[:0]
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
		w := fmix(word ^ seedWord)
		c.feats = append(c.feats, c.bucket(w))
		if prev != 0 {
			c.feats = append(c.feats, c.bucket(prev*31+w+seedBigram))
		}
		prev = w | 1
		word, wlen = 2166136261, 0
		// the space after the word
		win = win<<8 | ' '
		if nwin++; nwin >= 4 {
			c.feats = append(c.feats, c.bucket(win^seedChar))
		}
	}
	emit := func(end int) {
		endWord()
		if len(c.feats) > 0 {
			fn(start, end, c.feats)
		}
		c.feats = c.feats[:0]
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
			if i-start >= ChunkTarget && sentenceEnd(text, i) {
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
			c.feats = append(c.feats, c.bucket(win^seedChar))
		}
	}
	emit(len(text))
}

func sentenceEnd(text string, i int) bool {
	switch text[i] {
	case '.', '!', '?':
		return i+1 >= len(text) || text[i+1] == ' ' || text[i+1] == '\n' || text[i+1] == '\r'
	case '\n':
		return true
	}
	return false
}

// Chunks calls fn for every chunk of text with its byte span and its
// features hashed into 2^bits buckets, exactly as a Model of that many bits
// reads them (for the training program). feats is reused after fn returns.
func Chunks(bits int, text string, fn func(start, end int, feats []uint32)) {
	c := chunker{shift: uint32(32 - bits)}
	c.each(text, fn)
}
