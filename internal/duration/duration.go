// Package duration parses the durations users write in configurations: Go durations ("36h30m",
// "2160h") plus days ("90d") and weeks ("2w"), which Go's time.ParseDuration lacks.
package duration

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Parse accepts a sequence of decimal numbers each with a unit: w, d, h, m, s, ms, us, µs, ns
// ("1d12h", "90d", "1.5h"). A day is 24 hours. Negative durations are refused: every duration of
// the provider is a span of time.
func Parse(s string) (time.Duration, error) {
	if strings.TrimSpace(s) != s || s == "" {
		return 0, fmt.Errorf("%q is not a duration: use a number and a unit, such as 90d, 36h or 30m", s)
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("%q is negative: durations here are spans of time", s)
	}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		j := i
		for j < len(rest) && !(rest[j] >= '0' && rest[j] <= '9' || rest[j] == '.') {
			j++
		}
		number, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		if number == "" || unit == "" {
			return 0, fmt.Errorf("%q is not a duration: use a number and a unit, such as 90d, 36h or 30m", s)
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
	return total, nil
}

const maxDuration = time.Duration(1<<63 - 1)

func parsePart(number, unit string) (time.Duration, error) {
	var scale time.Duration
	switch unit {
	case "w":
		scale = 7 * 24 * time.Hour
	case "d":
		scale = 24 * time.Hour
	default:
		// Go's parser knows the other units and their rules.
		d, err := time.ParseDuration(number + unit)
		if err != nil {
			return 0, fmt.Errorf("unknown unit %q (use w, d, h, m, s, ms, us or ns)", unit)
		}
		return d, nil
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
