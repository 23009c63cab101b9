package links

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/idna"

	"github.com/lychgate/lychgate/internal/testutil/shareddata"
)

// asciiHostReference is asciiHost without its plainLDH shortcut.
func asciiHostReference(host string) string {
	a, err := idna.Lookup.ToASCII(host)
	if err != nil || a == "" {
		a, err = idna.Punycode.ToASCII(host)
		if err != nil {
			return strings.ToLower(host)
		}
	}
	return strings.ToLower(a)
}

// toUnicodeReference is toUnicode without its plainLDH shortcut.
func toUnicodeReference(s string) string {
	if u, err := idna.Punycode.ToUnicode(s); err == nil {
		return u
	}
	return s
}

// looseIPv4Reference is parseLooseIPv4 without its character prefilter.
func looseIPv4Reference(host string) net.IP {
	parts := strings.Split(host, ".")
	if len(parts) > 4 || host == "" {
		return nil
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			p, base = p[2:], 16
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		if p == "" && base == 16 {
			nums[i] = 0
			continue
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return nil
		}
		nums[i] = n
	}
	if len(parts) == 1 && nums[0] < 1<<24 {
		return nil // a lone small number is no address anyone writes
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return nil
		}
		v |= n << (24 - 8*i)
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return nil
	}
	v |= last
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func checkHostShortcuts(t *testing.T, host string) {
	t.Helper()
	if got, want := asciiHost(host), asciiHostReference(host); got != want {
		t.Errorf("asciiHost(%q) = %q, without the shortcut %q", host, got, want)
	}
	if got, want := toUnicode(host), toUnicodeReference(host); got != want {
		t.Errorf("toUnicode(%q) = %q, without the shortcut %q", host, got, want)
	}
	a := asciiHost(host)
	if got, want := toUnicode(a), toUnicodeReference(a); got != want {
		t.Errorf("toUnicode(%q) = %q, without the shortcut %q", a, got, want)
	}
	if got, want := parseLooseIPv4(host), looseIPv4Reference(host); got.String() != want.String() {
		t.Errorf("parseLooseIPv4(%q) = %v, without the prefilter %v", host, got, want)
	}
}

var hostShortcutCases = []string{
	"example.com", "www.example.co.uk", "a-b.example", "-a.example", "a-.example",
	"example.com.", ".example.com", "a..b", "", ".", "xn--nxasmq6b.com", "xn--", "a.xn--p1ai",
	"EXAMPLE.com", "exa_mple.com", "ex ample", "ex\u00e4mple.com", "paypal.com",
	strings.Repeat("a", 64) + ".com", strings.Repeat("a.", 130) + "com",
	"127.0.0.1", "0x7f.1", "3232235777", "0177.0.0.1", "1.2.3.4.5", "0x", "face.bad", "1.2.3.256",
	"xn--80ak6aa92e.com", "xn--a.com", "a--b.com", "ab--cd.com",
}

func TestHostShortcutsEqualIDNA(t *testing.T) {
	t.Parallel()
	for _, h := range hostShortcutCases {
		checkHostShortcuts(t, h)
	}
	dir := corpusDir()
	if dir == "" {
		t.Log("no shared corpus here: written cases only")
		return
	}
	files, err := filepath.Glob(filepath.Join(filepath.Dir(dir), "*", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, f := range files {
		if i%shareddata.Every() != 0 {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			continue // a directory
		}
		for _, u := range parse(raw).URLs {
			if !seen[u.Host] {
				seen[u.Host] = true
				checkHostShortcuts(t, u.Host)
			}
		}
	}
	t.Logf("%d corpus hosts", len(seen))
}

func FuzzHostShortcuts(f *testing.F) {
	for _, h := range hostShortcutCases {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, host string) {
		checkHostShortcuts(t, host)
	})
}
