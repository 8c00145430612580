package provider

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// filterKeys are keys of every kind the filters tell apart, named by description. now is the
// filters' clock.
func filterKeys(now time.Time) []client.APIKey {
	at := func(ago time.Duration) *time.Time { t := now.Add(-ago); return &t }
	return []client.APIKey{
		{Value: "k-deploy", Description: "ci-deploy", Type: "generic", Created: now.Add(-400 * testkit.Day), LastUsed: at(100 * testkit.Day)},
		{Value: "k-test", Description: "ci-test", Type: "generic", Created: now.Add(-10 * testkit.Day)},
		{Value: "k-backup", Description: "backup", Type: "other", Created: now.Add(-200 * testkit.Day), LastUsed: at(time.Hour)},
		{Value: "k-old", Description: "ci-old", Type: "generic", Created: now.Add(-400 * testkit.Day)}, // as old as ci-deploy
		{Value: "k-edge-used", Description: "used 90d ago", Type: "generic", Created: now.Add(-365 * testkit.Day), LastUsed: at(90 * testkit.Day)},
		{Value: "k-edge-recent", Description: "used 90d-1s ago", Type: "generic", Created: now.Add(-365*testkit.Day + time.Second), LastUsed: at(90*testkit.Day - time.Second)},
	}
}

// TestKeyFilter: each filter alone, together, at its boundary, and the order of the result.
func TestKeyFilter(t *testing.T) {
	t.Parallel()
	now := clock.Start()
	keys := filterKeys(now)
	// ci-deploy and ci-old were created at the same time: the fingerprint orders them.
	sameAge := []string{"ci-deploy", "ci-old"}
	if client.Fingerprint("k-old") < client.Fingerprint("k-deploy") {
		sameAge = []string{"ci-old", "ci-deploy"}
	}
	all := append(slices.Clone(sameAge), "used 90d ago", "used 90d-1s ago", "backup", "ci-test")
	for _, tc := range []struct {
		name   string
		filter keyFilterModel
		want   []string // descriptions, in order
	}{
		{"no filter: every key, oldest first", keyFilterModel{}, all},
		{"empty strings filter nothing", keyFilterModel{DescriptionRegex: types.StringValue(""), APIKeyType: types.StringValue(""),
			UnusedFor: types.StringValue(""), OlderThan: types.StringValue("")}, all},
		{"description_regex", keyFilterModel{DescriptionRegex: types.StringValue("^ci-")}, append(slices.Clone(sameAge), "ci-test")},
		{"description_regex is unanchored", keyFilterModel{DescriptionRegex: types.StringValue("eplo")}, []string{"ci-deploy"}},
		{"api_key_type", keyFilterModel{APIKeyType: types.StringValue("other")}, []string{"backup"}},
		{"api_key_type matches whole types", keyFilterModel{APIKeyType: types.StringValue("gen")}, []string{}},
		{"unused_for: a never used key counts from its creation (ci-old, not the 10-day-old ci-test); used exactly 90d ago is unused",
			keyFilterModel{UnusedFor: types.StringValue("90d")}, append(slices.Clone(sameAge), "used 90d ago")},
		{"unused_for shorter than a never used key's age", keyFilterModel{UnusedFor: types.StringValue("10d")},
			append(slices.Clone(sameAge), "used 90d ago", "used 90d-1s ago", "ci-test")},
		{"older_than: created exactly 365d ago is old enough", keyFilterModel{OlderThan: types.StringValue("365d")},
			append(slices.Clone(sameAge), "used 90d ago")},
		{"older_than in hours", keyFilterModel{OlderThan: types.StringValue("9000h")}, sameAge}, // 375 days
		{"all filters must match", keyFilterModel{DescriptionRegex: types.StringValue("^ci-"), APIKeyType: types.StringValue("generic"),
			UnusedFor: types.StringValue("90d"), OlderThan: types.StringValue("30d")}, sameAge},
		{"filters that exclude each other", keyFilterModel{DescriptionRegex: types.StringValue("^ci-"), APIKeyType: types.StringValue("other")}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := newKeyFilter(tc.filter, now)
			if err != nil {
				t.Fatal(err)
			}
			// The input order must not matter: the result is sorted.
			for _, in := range [][]client.APIKey{keys, reversed(keys)} {
				got := f.apply(in)
				descriptions := make([]string, len(got))
				for i, k := range got {
					descriptions[i] = k.Description
				}
				if !slices.Equal(descriptions, tc.want) {
					t.Errorf("kept %q, want %q", descriptions, tc.want)
				}
				if got == nil {
					t.Error("apply returned nil: the data source would store a null list")
				}
			}
		})
	}
}

// TestKeyFilter_neverUsedBoundary: a key that was never used matches unused_for = d from the moment it
// is d old, and not a second before; a use after the creation counts from the use.
func TestKeyFilter_neverUsedBoundary(t *testing.T) {
	t.Parallel()
	now := clock.Start()
	const d = 90 * testkit.Day
	usedAt := now.Add(-d + time.Second)
	for _, tc := range []struct {
		name string
		key  client.APIKey
		want bool
	}{
		{"never used, created exactly 90d ago", client.APIKey{Created: now.Add(-d)}, true},
		{"never used, created 90d-1s ago", client.APIKey{Created: now.Add(-d + time.Second)}, false},
		{"never used, created an hour ago", client.APIKey{Created: now.Add(-time.Hour)}, false},
		{"never used, created 400d ago", client.APIKey{Created: now.Add(-400 * testkit.Day)}, true},
		{"created 400d ago, used 90d-1s ago", client.APIKey{Created: now.Add(-400 * testkit.Day), LastUsed: &usedAt}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := newKeyFilter(keyFilterModel{UnusedFor: types.StringValue("90d")}, now)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.matches(tc.key); got != tc.want {
				t.Errorf("unused_for = 90d matches %v, want %v", got, tc.want)
			}
		})
	}
}

func reversed[T any](s []T) []T {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestNewKeyFilter_rejects: a bad value is an error, never a filter that keeps every key (the
// validators normally stop such values first).
func TestNewKeyFilter_rejects(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		filter keyFilterModel
		want   string
	}{
		"description_regex": {keyFilterModel{DescriptionRegex: types.StringValue("ci-(")}, "missing closing )"},
		"unused_for":        {keyFilterModel{UnusedFor: types.StringValue("90 days")}, `unknown unit " days"`},
		"older_than":        {keyFilterModel{OlderThan: types.StringValue("-1d")}, "is negative"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := newKeyFilter(tc.filter, clock.Start())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("newKeyFilter error = %v, want one with %q", err, tc.want)
			}
		})
	}
}

// benchKeys returns n keys with a spread of descriptions, types, ages and last uses, so that each
// filter keeps some keys and drops others.
func benchKeys(n int, now time.Time) []client.APIKey {
	keys := make([]client.APIKey, n)
	for i := range keys {
		k := client.APIKey{
			Value:       fmt.Sprintf("%064d", i),
			Description: fmt.Sprintf("svc-%d integration", i),
			Created:     now.Add(-time.Duration(i%720) * testkit.Day),
			Type:        "generic",
		}
		if i%3 == 0 {
			k.Description = fmt.Sprintf("ci-pipeline %d", i)
		}
		if i%10 == 0 {
			k.Type = "other"
		}
		if i%2 == 0 {
			used := now.Add(-time.Duration(i%200) * testkit.Day)
			k.LastUsed = &used
		}
		keys[i] = k
	}
	return keys
}

// BenchmarkKeyFilter measures the data source's filtering and sorting of 10,000 keys, with no
// filter (every key kept) and with every filter at once.
func BenchmarkKeyFilter(b *testing.B) {
	now := clock.Start()
	keys := benchKeys(10_000, now)
	cases := map[string]keyFilterModel{
		"none": {},
		"all": {
			DescriptionRegex: types.StringValue(`^svc-\d+ `),
			APIKeyType:       types.StringValue("generic"),
			UnusedFor:        types.StringValue("90d"),
			OlderThan:        types.StringValue("30d"),
		},
	}
	for name, cfg := range cases {
		b.Run(name, func(b *testing.B) {
			filter, err := newKeyFilter(cfg, now)
			if err != nil {
				b.Fatal(err)
			}
			kept := len(filter.apply(keys))
			if kept == 0 || (name == "all" && kept == len(keys)) {
				b.Fatalf("the filter kept %d of %d keys: the benchmark would not exercise it", kept, len(keys))
			}
			b.ReportMetric(float64(kept), "kept")
			b.ReportAllocs()
			for b.Loop() {
				filter.apply(keys)
			}
		})
	}
}
