package message

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2/mediatype"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/transform"
)

// undeclaredCharset is injected into text/* media types that declare no
// charset (or only US-ASCII), so that enmime neither runs its slow charset
// detector nor mangles 8-bit text; decodeUndeclared then decides.
const undeclaredCharset = "x-lychgate-undeclared"

// wordDecoder decodes RFC 2047 encoded-words with every charset x/text knows.
// A mime.WordDecoder is safe for concurrent use.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// lookupEncoding finds the decoder for a charset label (WHATWG names first,
// then IANA names), or nil when it is unknown.
func lookupEncoding(label string) encoding.Encoding {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if label == "" {
		return nil
	}
	if e, err := htmlindex.Get(label); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.IANA.Encoding(label); err == nil && e != nil {
		return e
	}
	return nil
}

func charsetReader(label string, r io.Reader) (io.Reader, error) {
	e := lookupEncoding(label)
	if e == nil {
		return nil, fmt.Errorf("charset %q: %w", label, errUnknownCharset)
	}
	return transform.NewReader(r, e.NewDecoder()), nil
}

var errUnknownCharset = errors.New("unknown charset")

// parseMediaType wraps enmime's lenient media type parser and marks text
// types without a useful charset with undeclaredCharset. Results are
// remembered (mediaTypeMemo): the same few Content-Type values come in
// part after part and message after message, and enmime and Parse both
// parse each. The params map is shared: callers must not modify it.
func parseMediaType(ctype string) (string, map[string]string, []string, error) {
	if len(ctype) <= mediaTypeMemoMax {
		mediaTypeMemo.Lock()
		r, ok := mediaTypeMemo.m[ctype]
		mediaTypeMemo.Unlock()
		if ok {
			return r.mtype, r.params, r.invalid, r.err
		}
	}
	mtype, params, invalid, err := parseMediaTypeUncached(ctype)
	if len(ctype) <= mediaTypeMemoMax {
		mediaTypeMemo.Lock()
		if len(mediaTypeMemo.m) >= mediaTypeMemoSize || mediaTypeMemo.m == nil {
			mediaTypeMemo.m = make(map[string]mediaTypeResult, mediaTypeMemoSize)
		}
		mediaTypeMemo.m[strings.Clone(ctype)] = mediaTypeResult{mtype, params, invalid, err}
		mediaTypeMemo.Unlock()
	}
	return mtype, params, invalid, err
}

// The media type memo holds at most mediaTypeMemoSize values of at most
// mediaTypeMemoMax bytes, and is emptied when full.
const (
	mediaTypeMemoSize = 4096
	mediaTypeMemoMax  = 256
)

type mediaTypeResult struct {
	mtype   string
	params  map[string]string
	invalid []string
	err     error
}

var mediaTypeMemo struct {
	sync.Mutex
	m map[string]mediaTypeResult
}

func parseMediaTypeUncached(ctype string) (string, map[string]string, []string, error) {
	mtype, params, invalid, err := mediatype.ParseWithOptions(ctype,
		mediatype.ParseOptions{StripMediaTypeInvalidCharacters: true})
	if err != nil {
		return mtype, params, invalid, err
	}
	if strings.HasPrefix(strings.ToLower(mtype), "text/") {
		if params == nil {
			params = map[string]string{}
		}
		switch strings.ToLower(strings.TrimSpace(params["charset"])) {
		case "", "us-ascii", "ascii", "utf8", "utf-8":
			params["charset"] = undeclaredCharset
		}
	}
	return mtype, params, invalid, nil
}

var metaCharsetRe = regexp.MustCompile(`(?i)<meta[^>]*charset\s*=\s*["']?\s*([a-z0-9_.:-]+)`)

// decodeUndeclared turns text whose charset was not declared (or declared
// as US-ASCII/UTF-8) into UTF-8: valid UTF-8 is kept, HTML may name its
// charset in a meta tag, and anything else is read as windows-1252, the
// usual reality of undeclared 8-bit mail. It reports whether the bytes had
// to be reinterpreted.
func decodeUndeclared(b []byte, isHTML bool) (string, bool) {
	if utf8.Valid(b) {
		return string(b), false
	}
	if isHTML {
		head := b[:min(len(b), 4096)]
		if m := metaCharsetRe.FindSubmatch(head); m != nil {
			if e := lookupEncoding(string(m[1])); e != nil {
				if s, err := e.NewDecoder().Bytes(b); err == nil && utf8.Valid(s) {
					return string(s), true
				}
			}
		}
	}
	s, err := decodeSingleByte(charmap.Windows1252, b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD"), true
	}
	return string(s), true
}

// validUTF8 returns b as a string with invalid sequences replaced.
func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}

// validString returns s with invalid UTF-8 sequences replaced, and s
// itself (no copy) when it is valid.
func validString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// truncateUTF8 cuts s to at most n bytes at a rune boundary.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
