// Package durfmt formats durations for people: "365d", "30d", "1h30m",
// "5m", "30s", "1.5s", "12ms", instead of time.Duration's "8760h0m0s".
// It is used for CLI output and log attributes; configuration files keep
// Go's syntax ("720h"), which config parses.
package durfmt

import (
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

// Short formats d with the largest units that fit, dropping zero parts:
// whole days ("365d", "2d12h"), hours, minutes and seconds ("1h30m",
// "5m", "45s"), then fractional seconds below a minute ("1.5s"), and
// milliseconds or microseconds below a second ("12ms", "1.25ms",
// "800µs"). Below a minute the value is rounded to three significant
// digits. Negative durations get a leading "-".
func Short(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	if d < 0 {
		if d == time.Duration(-1<<63) {
			d++ // -d would overflow
		}
		return "-" + Short(-d)
	}
	switch {
	case d < time.Microsecond:
		return strconv.FormatInt(int64(d), 10) + "ns"
	case d < time.Millisecond:
		return sig(float64(d)/float64(time.Microsecond)) + "µs"
	case d < time.Second:
		return sig(float64(d)/float64(time.Millisecond)) + "ms"
	case d < time.Minute:
		return sig(d.Seconds()) + "s"
	}
	d = d.Round(time.Second)
	var b strings.Builder
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{day, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteString(u.name)
			d -= n * u.unit
		}
	}
	return b.String()
}

// sig formats f (1 <= f < 1000) with three significant digits and no
// trailing zeros.
func sig(f float64) string {
	prec := 2
	switch {
	case f >= 100:
		prec = 0
	case f >= 10:
		prec = 1
	}
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
