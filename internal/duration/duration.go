// Package duration parses the durations users write in configurations: Go durations ("36h30m",
// "2160h") plus days ("90d") and weeks ("2w"), which Go's time.ParseDuration lacks.
package duration

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Parse accepts what time.ParseDuration accepts, with the same result, plus the units d (24 hours)
// and w (7 days): a sequence of decimal numbers each with a unit, such as "1d12h", "90d" or "1.5h".
// Negative durations are refused: every duration of the provider is a span of time.
func Parse(s string) (time.Duration, error) {
	if strings.TrimSpace(s) != s || s == "" {
		return 0, notADuration(s)
	}
	rest, negative := s, false
	if rest[0] == '-' || rest[0] == '+' {
		negative, rest = rest[0] == '-', rest[1:]
	}
	// Go accepts a bare zero without unit.
	if rest == "0" {
		return 0, nil
	}
	if rest == "" {
		return 0, notADuration(s)
	}
	var total time.Duration
	for rest != "" {
		i := 0
		for i < len(rest) && isNumberByte(rest[i]) {
			i++
		}
		j := i
		for j < len(rest) && !isNumberByte(rest[j]) {
			j++
		}
		number, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		if number == "" || unit == "" {
			return 0, notADuration(s)
		}
		part, err := parsePart(number, unit)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration: %w", s, err)
		}
		if total > maxDuration-part {
			return 0, fmt.Errorf("%q is too long: the limit is about 290 years", s)
		}
		total += part
	}
	if negative && total != 0 {
		return 0, fmt.Errorf("%q is negative: durations here are spans of time", s)
	}
	return total, nil
}

func notADuration(s string) error {
	return fmt.Errorf("%q is not a duration: use a number and a unit, such as 90d, 36h or 30m", s)
}

func isNumberByte(b byte) bool { return b >= '0' && b <= '9' || b == '.' }

const maxDuration = time.Duration(1<<63 - 1)

func parsePart(number, unit string) (time.Duration, error) {
	var scale time.Duration
	switch unit {
	case "w":
		scale = 7 * 24 * time.Hour
	case "d":
		scale = 24 * time.Hour
	case "h", "m", "s", "ms", "us", "µs", "μs", "ns":
		// Go's parser knows these units and their rounding rules.
		d, err := time.ParseDuration(number + unit)
		if err != nil {
			return 0, fmt.Errorf("%s%s is too long or not a number", number, unit)
		}
		return d, nil
	default:
		return 0, fmt.Errorf("unknown unit %q (use w, d, h, m, s, ms, us or ns)", unit)
	}
	f, err := strconv.ParseFloat(number, 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", number)
	}
	d := f * float64(scale)
	if d >= float64(maxDuration) {
		return 0, fmt.Errorf("%s%s is too long", number, unit)
	}
	return time.Duration(d), nil
}
