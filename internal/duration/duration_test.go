package duration

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"90d", 90 * 24 * time.Hour},
		{"2w", 14 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"36h30m", 36*time.Hour + 30*time.Minute},
		{"2160h", 2160 * time.Hour},
		{"1.5h", 90 * time.Minute},
		{"1.5d", 36 * time.Hour},
		{".5d", 12 * time.Hour},
		{"30s", 30 * time.Second},
		{"0s", 0},
		{"0", 0},
		{"+1h", time.Hour},
		{"-0", 0},
		{"1w1d1h1m1s1ms1us1ns", 8*24*time.Hour + time.Hour + time.Minute + time.Second + time.Millisecond + time.Microsecond + time.Nanosecond},
		{"5µs", 5 * time.Microsecond},
		{"5μs", 5 * time.Microsecond}, // Greek mu, as Go accepts
		{"106751d", 106751 * 24 * time.Hour},
	} {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Parse(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParse_rejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, wantErr string
	}{
		{"", "is not a duration: use a number and a unit"},
		{" 1h", "is not a duration"},
		{"1h ", "is not a duration"},
		{"90", "is not a duration: use a number and a unit"},
		{"d", "is not a duration"},
		{"-", "is not a duration"},
		{"+", "is not a duration"},
		{"-1h", "is negative"},
		{"-90d", "is negative"},
		{"1y", `unknown unit "y"`},
		{"1 h", `unknown unit " h"`},
		{"1h-30m", `unknown unit "h-"`},
		{"1.2.3d", `bad number "1.2.3"`},
		{"1.2.3h", "1.2.3h is too long or not a number"},
		{".d", `bad number "."`},
		{"106752d", "106752d is too long"},
		{"2562048h", "2562048h is too long or not a number"},
		{"106751d23h48m", "is too long: the limit is about 290 years"},
		{"1e3s", `unknown unit "e"`},
	} {
		got, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want an error", tc.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("Parse(%q) error %q does not contain %q", tc.in, err, tc.wantErr)
		}
		if !strings.Contains(err.Error(), `"`+tc.in+`"`) {
			t.Errorf("Parse(%q) error %q does not quote the input", tc.in, err)
		}
	}
}

// FuzzParse checks Parse against time.ParseDuration, which it extends with days and weeks. Its
// seed corpus runs as a normal test.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"90d", "2w", "1d12h", "36h30m", "1.5h", "0", "-0", "+1h", "-1h", "0s", ".5d", "1.", "1.h",
		"9223372036854775807ns", "9223372036854775808ns", "106751d23h47m16.854775807s", "5µs", "5μs",
		"1e3s", "", " ", "h", "1h-1h", "1..1d", "0x10h", "99999999999999999999999d",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		t.Parallel()
		got, err := Parse(s)
		if err == nil && got < 0 {
			t.Fatalf("Parse(%q) = %v, a negative duration", s, got)
		}
		if err != nil && got != 0 {
			t.Fatalf("Parse(%q) returned %v along with the error %v", s, got, err)
		}
		goValue, goErr := time.ParseDuration(s)
		switch {
		case goErr == nil && goValue >= 0:
			if err != nil {
				t.Fatalf("Parse(%q) failed (%v), but time.ParseDuration accepts it as %v", s, err, goValue)
			}
			if got != goValue {
				t.Fatalf("Parse(%q) = %v, time.ParseDuration says %v", s, got, goValue)
			}
		case goErr == nil && goValue < 0:
			if err == nil {
				t.Fatalf("Parse(%q) = %v, accepting a negative duration", s, got)
			}
		case err == nil && !strings.ContainsAny(s, "dw"):
			// Only the days and weeks that Go lacks may make Parse accept what Go refuses.
			t.Fatalf("Parse(%q) = %v, but it has no d or w unit and time.ParseDuration refuses it: %v", s, got, goErr)
		}
	})
}
