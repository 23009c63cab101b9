package message

import "strings"

// plainAddressList parses v when it is a list of plain mailboxes, the
// common shape of From, To and Cc: `a@b.example`, `<a@b.example>`,
// `Name Words <a@b.example>` or `"Quoted, Name" <a@b.example>`, separated
// by commas. It appends them to out and returns true, or returns out
// unchanged and false for anything else (values with control characters
// or non-ASCII bytes, comments, groups, encoded words, quoted local
// parts, domain literals, backslashes, missing commas), which
// enmime.ParseAddressList reads. Folded fields arrive unfolded
// (splitHeader joins their lines with a space).
//
// Where it returns true the addresses are those enmime.ParseAddressList
// (net/mail with enmime's decoder) returns for v: the same grammar on
// this subset, without the parser's allocations
// (TestPlainAddressListEqualsEnmime on written cases and every address
// header of the corpus, FuzzPlainAddressList).
func plainAddressList(v string, out []Address) ([]Address, bool) {
	// Printable ASCII and spaces only, and no byte that starts a part of
	// the grammar this function leaves to net/mail.
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < ' ' || c > '~' {
			return out, false
		}
		switch c {
		case '(', ')', '[', ']', ':', ';', '\\':
			return out, false
		case '=':
			if i+1 < len(v) && v[i+1] == '?' {
				return out, false
			}
		}
	}
	n := len(out)
	i := 0
	for {
		i = skipSpaces(v, i)
		if i == len(v) {
			break
		}
		if v[i] == ',' {
			i++
			continue
		}
		var a Address
		var ok bool
		a, i, ok = plainMailbox(v, i)
		if !ok {
			return out[:n], false
		}
		out = append(out, a)
		i = skipSpaces(v, i)
		if i == len(v) {
			break
		}
		if v[i] != ',' {
			return out[:n], false
		}
	}
	if len(out) == n {
		return out, false
	}
	return out, true
}

// plainMailbox reads one mailbox of plainAddressList's subset at v[i:]
// (i at a byte that is not a space or comma) and returns it and the index
// after it.
func plainMailbox(v string, i int) (Address, int, bool) {
	// net/mail tries a bare addr-spec first.
	if spec, j, ok := plainAddrSpec(v, i); ok {
		return Address{Addr: spec}, j, true
	}
	name := ""
	if v[i] != '<' {
		var ok bool
		name, i, ok = plainPhrase(v, i)
		if !ok {
			return Address{}, i, false
		}
		i = skipSpaces(v, i)
		if i == len(v) || v[i] != '<' {
			return Address{}, i, false
		}
	}
	i++ // '<'
	spec, j, ok := plainAddrSpec(v, skipSpaces(v, i))
	if !ok || j == len(v) || v[j] != '>' {
		return Address{}, j, false
	}
	return Address{Name: name, Addr: spec}, j + 1, true
}

// plainAddrSpec reads a dot-atom local part, '@' and a dot-atom domain
// at v[i:], as net/mail's consumeAddrSpec does for them (spaces allowed
// after the '@' as it skips them; no leading, trailing or double dots).
func plainAddrSpec(v string, i int) (string, int, bool) {
	local, j, ok := dotAtom(v, i)
	if !ok || j == len(v) || v[j] != '@' {
		return "", i, false
	}
	d := skipSpaces(v, j+1)
	domain, k, ok := dotAtom(v, d)
	if !ok {
		return "", i, false
	}
	if d == j+1 {
		return v[i:k], k, true
	}
	return local + "@" + domain, k, true
}

// dotAtom reads atext and dots at v[i:] and reports whether the run is a
// strict dot-atom (non-empty, no leading, trailing or double dot).
func dotAtom(v string, i int) (string, int, bool) {
	j := i
	for j < len(v) && (isPlainAtext(v[j]) || v[j] == '.') {
		j++
	}
	s := v[i:j]
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return "", i, false
	}
	return s, j, true
}

// plainPhrase reads a display name at v[i:]: atoms (atext and dots, as
// net/mail reads them permissively) and quoted strings without
// backslashes, separated by spaces; the words are joined by one space.
// A name that is one word, or atoms one space apart, is a substring of v;
// others are built.
func plainPhrase(v string, i int) (string, int, bool) {
	start := i
	var (
		b      strings.Builder
		name   string // the name so far, while sub
		sub    = true // name is it; else b holds it
		quoted bool   // a word so far was quoted
		words  int
		end    = i
	)
	for {
		oneSpace := true
		if words > 0 {
			j := skipSpaces(v, i)
			oneSpace = j == i+1
			i = j
		}
		if i == len(v) {
			break
		}
		var w string
		isQuoted := false
		switch {
		case v[i] == '"':
			k := strings.IndexByte(v[i+1:], '"')
			if k < 0 {
				return "", i, false
			}
			w = v[i+1 : i+1+k]
			i += k + 2
			isQuoted = true
		case isPlainAtext(v[i]) || v[i] == '.':
			j := i
			for j < len(v) && (isPlainAtext(v[j]) || v[j] == '.') {
				j++
			}
			w = v[i:j]
			i = j
		default:
			// Not a word: the phrase ends before it.
			return phraseEnd(&b, name, sub, words, start, end)
		}
		switch {
		case words == 0:
			name = w
		case sub && oneSpace && !quoted && !isQuoted:
			name = v[start:i]
		default:
			if sub {
				b.WriteString(name)
				sub = false
			}
			b.WriteByte(' ')
			b.WriteString(w)
		}
		quoted = quoted || isQuoted
		words++
		end = i
	}
	return phraseEnd(&b, name, sub, words, start, end)
}

// phraseEnd returns plainPhrase's result for the words read.
func phraseEnd(b *strings.Builder, name string, sub bool, words, start, end int) (string, int, bool) {
	if words == 0 {
		return "", start, false
	}
	if sub {
		return name, end, true
	}
	return b.String(), end, true
}

// isPlainAtext reports whether c is an ASCII atext character (RFC 5322
// §3.2.3: printable, not a special, dot excluded).
func isPlainAtext(c byte) bool {
	if c <= ' ' || c > '~' {
		return false
	}
	switch c {
	case '(', ')', '<', '>', '[', ']', ':', ';', '@', '\\', ',', '"', '.':
		return false
	}
	return true
}

func skipSpaces(v string, i int) int {
	for i < len(v) && v[i] == ' ' {
		i++
	}
	return i
}
