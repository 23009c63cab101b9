package message

import "unicode/utf8"

// hostURLs is a hand-written stand-in for the relaxed regexp on the
// second commonest candidate word, scheme-less host names such as
// "sf.net", "www.example.org," or "example.com/page.html": when it
// returns ok, textURLRe.FindAllString(word, 100) is exactly the words
// word[s[0]:s[1]] of the spans it appends to dst; otherwise the regexp
// must run. It answers for ASCII words without '@', '[' and ':' (a
// single ':' may end the word), which leaves the regexp only one
// alternative that can match (the scheme alternatives need "://" or
// ':' and more after it, an e-mail address '@', an IPv6 address two
// colons, a port a digit after the ':', a bracketed IPv6 host '['):
//
//	host (/path|/)?   host = (label.)+ TLD \b | (label.)+ xn--[a-z0-9-]+ | \b IPv4 \b
//
// with labels of letters, digits and inner hyphens, and known TLDs
// (xurls.TLDs, xurls.PseudoTLDs) in any case. Of the matches starting
// leftmost it takes the longest, then searches on after it, as
// FindAllString does. A path that stops at a bracket is left to the
// regexp (its balanced-bracket rules).
//
// TestHostURLs and FuzzHostURLs compare it with the regexp.
func hostURLs(word string, dst [][2]int) ([][2]int, bool) {
	if len(word) > memoWordMax {
		return dst, false
	}
	for i := 0; i < len(word); i++ {
		switch c := word[i]; {
		case c >= utf8.RuneSelf, c == '@', c == '[', c == ':' && i != len(word)-1:
			return dst, false
		}
	}
	for p := 0; p < len(word) && len(dst) < 100; {
		if !isAlnum(word[p]) {
			p++
			continue
		}
		e := max(domainEnd(word, p), ipv4End(word, p))
		if e < 0 {
			p++
			continue
		}
		if e < len(word) && word[e] == '/' {
			var ok bool
			if e, ok = pathEndAt(word, e); !ok {
				return dst, false
			}
		}
		dst = append(dst, [2]int{p, e})
		p = e
	}
	return dst, true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isWordChar is \w, the ASCII word characters of \b.
func isWordChar(c byte) bool { return isAlnum(c) || c == '_' }

// domainEnd returns the end of the longest (label.)+TLD match starting
// at w[p], an ASCII letter or digit, or -1.
func domainEnd(w string, p int) int {
	best := -1
	for start, j := p, 0; ; j++ {
		k := start // w[start:k] is one dot-separated component
		for k < len(w) && (isAlnum(w[k]) || w[k] == '-') {
			k++
		}
		if j > 0 {
			// The TLD is a prefix of the component followed by \b:
			// before a '-', or the whole component before a non-word
			// character or the end.
			for m := start + 1; m <= k; m++ {
				if m < k && w[m] != '-' {
					continue
				}
				if m == k && k < len(w) && isWordChar(w[k]) {
					continue
				}
				if asciiTLD(w[start:m]) {
					best = m
				}
			}
			if k-start > len("xn--") && lowerIs(w[start:start+4], "xn--") {
				best = k
			}
		}
		if k == start || !isAlnum(w[start]) || !isAlnum(w[k-1]) || k == len(w) || w[k] != '.' {
			return best
		}
		start = k + 1
	}
}

// asciiTLD reports whether the ASCII string s is a known TLD in any case.
func asciiTLD(s string) bool {
	var buf [32]byte
	if len(s) > len(buf) {
		return false // no TLD is this long
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return tlds[string(buf[:len(s)])]
}

// ipv4End returns the end of the longest \b IPv4 \b match starting at
// w[p], or -1.
func ipv4End(w string, p int) int {
	if p > 0 && isWordChar(w[p-1]) {
		return -1
	}
	return octetsEnd(w, p, 0)
}

// octetsEnd returns the end of the longest match of the octets n..3 of
// an IPv4 address at w[i] (the last followed by \b), or -1.
func octetsEnd(w string, i, n int) int {
	best := -1
	for l := 1; l <= 3 && i+l <= len(w); l++ {
		if !octet(w[i : i+l]) {
			continue
		}
		e := i + l
		switch {
		case n == 3:
			if e == len(w) || !isWordChar(w[e]) {
				best = max(best, e)
			}
		case e < len(w) && w[e] == '.':
			best = max(best, octetsEnd(w, e+1, n+1))
		}
	}
	return best
}

// octet reports whether s matches 25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9].
func octet(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	switch len(s) {
	case 1:
		return true
	case 2:
		return s[0] != '0'
	case 3:
		return s[0] == '1' || s[0] == '2' && (s[1] <= '4' || s[1] == '5' && s[2] <= '5')
	}
	return false
}

// pathEndAt returns the end of "/" plus the longest path at w[e] == '/':
// the path characters up to the last one a path may end with; ok is
// false when they stop at a bracket.
func pathEndAt(w string, e int) (end int, ok bool) {
	end = e + 1
	i := e + 1
	for ; i < len(w); i++ {
		c := pathClass[w[i]]
		if c == pathEnd {
			end = i + 1
		} else if c != pathMid {
			break
		}
	}
	if i < len(w) {
		switch w[i] {
		case '(', ')', '[', ']', '{', '}':
			return 0, false
		}
	}
	return end, true
}
