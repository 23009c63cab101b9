package users

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // RFC 6238 and every authenticator app use HMAC-SHA-1
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"time"
)

// TOTP parameters used for accounts: the defaults of RFC 6238 §4 and of
// authenticator apps (30 s steps from the Unix epoch, 6 digits, SHA-1).
const (
	TOTPStep   = 30 * time.Second
	TOTPDigits = 6
)

// HOTP is RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic
// truncation, the low digits in decimal, zero-padded.
func HOTP(newHash func() hash.Hash, key []byte, counter uint64, digits int) string {
	mac := hmac.New(newHash, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// TOTP is RFC 6238 §4: HOTP with the counter T = floor((t - T0) / step),
// T0 = 0.
func TOTP(newHash func() hash.Hash, key []byte, t time.Time, step time.Duration, digits int) string {
	return HOTP(newHash, key, uint64(t.Unix())/uint64(step/time.Second), digits)
}

// VerifyTOTP checks a 6-digit SHA-1 code against key at now, allowing skew
// steps either side (RFC 6238 §5.2), in constant time per candidate. It
// returns the time step that matched, so the caller can refuse replays.
func VerifyTOTP(key []byte, code string, now time.Time, skew int) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != TOTPDigits {
		return 0, false
	}
	cur := now.Unix() / int64(TOTPStep/time.Second)
	for d := -skew; d <= skew; d++ {
		c := cur + int64(d)
		if c < 0 {
			continue
		}
		want := HOTP(sha1.New, key, uint64(c), TOTPDigits)
		if hmac.Equal([]byte(want), []byte(code)) {
			return c, true
		}
	}
	return 0, false
}

// TOTPURI is the otpauth:// enrolment URI (the Key Uri Format that
// authenticator apps read).
func TOTPURI(issuer, account string, key []byte) string {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
	v := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}
