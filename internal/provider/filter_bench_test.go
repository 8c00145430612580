package provider

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

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
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
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
