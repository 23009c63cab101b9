package durfmt

import (
	"testing"
	"time"
)

func TestShort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   time.Duration
		want string
	}{
		{"zero", 0, "0s"},
		{"year", 8760 * time.Hour, "365d"},
		{"month", 720 * time.Hour, "30d"},
		{"days and hours", 60 * time.Hour, "2d12h"},
		{"hour and a half", 90 * time.Minute, "1h30m"},
		{"minutes", 5 * time.Minute, "5m"},
		{"minute and seconds", 61 * time.Second, "1m1s"},
		{"minute rounds sub-second", time.Minute + 400*time.Millisecond, "1m"},
		{"seconds", 30 * time.Second, "30s"},
		{"fractional seconds", 1500 * time.Millisecond, "1.5s"},
		{"three digits", 12345 * time.Millisecond, "12.3s"},
		{"milliseconds", 12 * time.Millisecond, "12ms"},
		{"fractional milliseconds", 1250 * time.Microsecond, "1.25ms"},
		{"microseconds", 800 * time.Microsecond, "800µs"},
		{"nanoseconds", 42, "42ns"},
		{"negative", -5 * time.Minute, "-5m"},
		{"most negative", time.Duration(-1 << 63), "-106751d23h47m16s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Short(tc.in); got != tc.want {
				t.Errorf("Short(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
