package spam

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lower-casing and letter counting eight bytes at a time. For a word x of
// eight bytes each below 0x80, adding 0x80-'A' to every byte sets its top
// bit exactly when the byte is 'A' or above, and adding 0x80-('Z'+1) when
// it is above 'Z'; no byte carries into the next. The capitals are the
// bytes with the first bit and not the second, the small letters likewise
// with 'a' and 'z', and a capital is lower-cased by setting its 0x20 bit
// (the top bit shifted right by two).
const (
	ones    = 0x0101010101010101
	highs   = 0x80 * ones
	aboveA  = (0x80 - 'A') * ones
	aboveZ  = (0x80 - 'Z' - 1) * ones
	abovea  = (0x80 - 'a') * ones
	abovez  = (0x80 - 'z' - 1) * ones
	caseBit = 2 // the top bit shifted right by this is 'a'-'A'
)

// capitals returns the top bit of each byte of x that is an ASCII capital.
// The bytes of x from 0x80 up are never capitals (their low seven bits
// are compared and the byte then left out).
func capitals(x uint64) uint64 {
	h := x &^ highs
	return (h + aboveA) &^ (h + aboveZ) &^ x & highs
}

// load64 reads s[i:i+8] as a little-endian word.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// store64 writes x to b[i:i+8], little-endian.
func store64(b []byte, i int, x uint64) {
	b = b[i : i+8]
	b[0], b[1], b[2], b[3] = byte(x), byte(x>>8), byte(x>>16), byte(x>>24)
	b[4], b[5], b[6], b[7] = byte(x>>32), byte(x>>40), byte(x>>48), byte(x>>56)
}

// lowerCountTo writes s to b with its ASCII capitals lower-cased (so byte
// offsets stay valid) and adds the letters (unicode.IsLetter) and
// capitals (unicode.IsUpper) of s to n, in one pass: what lowerASCII and
// textCounts did separately.
func lowerCountTo(b *strings.Builder, s string, n *letterCounts) {
	var buf [maxChunk]byte
	for len(s) > 0 {
		k := lowerCountChunk(buf[:], s, n)
		b.Write(buf[:k])
		s = s[k:]
	}
}

// countLetters adds the letters (unicode.IsLetter) and capitals
// (unicode.IsUpper) of s to n, as lowerCountTo does, reading s only:
// eight ASCII bytes at a time, summed per byte lane and added up every
// 255 words (a lane holds at most 255).
func countLetters(s string, n *letterCounts) {
	var upLanes, letterLanes uint64
	up, letters, words := 0, 0, 0
	i := 0
	for i < len(s) {
		for i+8 <= len(s) {
			x := load64(s, i)
			if x&highs != 0 {
				break
			}
			capital := (x + aboveA) &^ (x + aboveZ) & highs
			small := (x + abovea) &^ (x + abovez) & highs
			upLanes += capital >> 7
			letterLanes += (capital | small) >> 7
			i += 8
			if words++; words == 255 {
				up += laneSum(upLanes)
				letters += laneSum(letterLanes)
				upLanes, letterLanes, words = 0, 0, 0
			}
		}
		if i >= len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			k := asciiLetter[c]
			letters += int(k & 1)
			up += int(k >> 1)
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				up++
			}
		}
		i += w
	}
	n.upper += up + laneSum(upLanes)
	n.letters += letters + laneSum(letterLanes)
}

// lowerCountChunk lower-cases the ASCII capitals of the start of s into
// dst (at most maxChunk bytes long), as far as dst holds it without
// cutting a character (as utf8.DecodeRuneInString reads s from its
// start), adds the letters and capitals of that start to n and returns
// its length.
func lowerCountChunk(dst []byte, s string, n *letterCounts) int {
	// The capitals and letters of the words are summed per byte lane
	// (at most maxChunk/8 each) and added up at the end.
	var upLanes, letterLanes uint64
	var up, letters int
	m := min(len(s), len(dst))
	i := 0
	for i < m {
		for i+8 <= m {
			x := load64(s, i)
			if x&highs != 0 {
				break
			}
			capital := (x + aboveA) &^ (x + aboveZ) & highs
			small := (x + abovea) &^ (x + abovez) & highs
			upLanes += capital >> 7
			letterLanes += (capital | small) >> 7
			store64(dst, i, x|capital>>caseBit)
			i += 8
		}
		if i >= m {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			k := asciiLetter[c]
			letters += int(k & 1)
			up += int(k >> 1)
			if k == 3 {
				c += 'a' - 'A'
			}
			dst[i] = c
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if i+w > len(dst) {
			break
		}
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				up++
			}
		}
		copy(dst[i:], s[i:i+w])
		i += w
	}
	n.upper += up + laneSum(upLanes)
	n.letters += letters + laneSum(letterLanes)
	return i
}

// maxChunk is the longest dst of lowerCountChunk: its lanes count to at
// most maxChunk/8, and laneSum adds lanes of at most 255 whose sum is
// below 1<<16.
const maxChunk = 512

// laneSum adds up the eight bytes of x.
func laneSum(x uint64) int {
	const pairs = 0x00ff00ff00ff00ff
	x = x&pairs + x>>8&pairs
	return int(x * 0x0001000100010001 >> 48)
}

// writeLowerASCII writes s to b with ASCII capitals lower-cased, through
// a small buffer, eight bytes at a time.
func writeLowerASCII(b *strings.Builder, s string) {
	var buf [512]byte
	for len(s) > 0 {
		n := min(len(s), len(buf))
		lowerInto(buf[:n], s[:n])
		b.Write(buf[:n])
		s = s[n:]
	}
}

// lowerInto writes s to dst (of its length) with ASCII capitals
// lower-cased.
func lowerInto(dst []byte, s string) {
	dst = dst[:len(s)]
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := load64(s, i)
		store64(dst, i, x|capitals(x)>>caseBit)
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c-'A' < 26 {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
}
