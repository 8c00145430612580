package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

const dataAddress = "data.circularo_api_keys.test"

// seededKeys are the keys every data source test starts with, oldest first.
type seededKeys struct {
	legacyCI, zapier, billing, ciPipeline, fresh mockserver.Key
}

func seedDataSourceKeys(env *testEnv) seededKeys {
	add := func(k mockserver.Key) mockserver.Key { return env.Mock.AddKey(testkit.User, k) }
	return seededKeys{
		legacyCI:   add(env.Key("legacy-ci", 400*testkit.Day, env.Ago(200*testkit.Day))),
		zapier:     add(env.Key("old-zapier", 300*testkit.Day, nil)), // never used
		billing:    add(mockserver.Key{Description: "billing-export", Created: *env.Ago(200 * testkit.Day), LastUsed: env.Ago(10 * testkit.Day), Type: "special"}),
		ciPipeline: add(env.Key("ci-pipeline", 120*testkit.Day, env.Ago(1*testkit.Day))),
		fresh:      add(env.Key("new-integration", 2*testkit.Day, nil)), // never used, but young
	}
}

func (e *testEnv) dataSourceConfig(filters ...string) string {
	return e.ProviderBlock() + fmt.Sprintf(`
data "circularo_api_keys" "test" {
  %s
}
`, strings.Join(filters, "\n  "))
}

// expectDataSourceLists runs `data "circularo_api_keys" "test" {}` under providerBlock and expects it to list
// exactly keys.
func (e *testEnv) expectDataSourceLists(t *testing.T, providerBlock string, keys ...mockserver.Key) {
	t.Helper()
	e.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:            providerBlock + "\ndata \"circularo_api_keys\" \"test\" {}\n",
			ConfigStateChecks: []statecheck.StateCheck{expectFingerprints(keys...)},
		}},
	})
}

func expectFingerprints(keys ...mockserver.Key) statecheck.StateCheck {
	values := make([]knownvalue.Check, 0, len(keys))
	for _, k := range keys {
		values = append(values, knownvalue.StringExact(client.Fingerprint(k.Value)))
	}
	return statecheck.ExpectKnownValue(dataAddress, tfjsonpath.New("fingerprints"), knownvalue.ListExact(values))
}

func TestAPIKeysDataSource_allKeys(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	k := seedDataSourceKeys(env)
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: env.dataSourceConfig(),
			ConfigStateChecks: []statecheck.StateCheck{
				expectFingerprints(k.legacyCI, k.zapier, k.billing, k.ciPipeline, k.fresh),
				statecheck.ExpectKnownValue(dataAddress, tfjsonpath.New("api_keys").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"fingerprint":  knownvalue.StringExact(client.Fingerprint(k.legacyCI.Value)),
					"description":  knownvalue.StringExact("legacy-ci"),
					"created":      knownvalue.StringExact(k.legacyCI.Created.Format(time.RFC3339)),
					"last_used":    knownvalue.StringExact(k.legacyCI.LastUsed.Format(time.RFC3339)),
					"api_key_type": knownvalue.StringExact("generic"),
				})),
				statecheck.ExpectKnownValue(dataAddress, tfjsonpath.New("api_keys").AtSliceIndex(1).AtMapKey("last_used"), knownvalue.Null()),
			},
			Check: env.checkNoKeyValueInDataSource(),
		}},
	})
}

// checkNoKeyValueInDataSource proves that no key value of the test user reached the data source's state.
func (e *testEnv) checkNoKeyValueInDataSource() resource.TestCheckFunc {
	address := dataAddress
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[address]
		if !ok {
			return fmt.Errorf("%s is not in the state", address)
		}
		for _, k := range e.Mock.Keys(testkit.User) {
			for attr, v := range rs.Primary.Attributes {
				if strings.Contains(v, k.Value) {
					return fmt.Errorf("%s.%s holds the value of key %q", address, attr, k.Description)
				}
			}
		}
		return nil
	}
}

func TestAPIKeysDataSource_filters(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	k := seedDataSourceKeys(env)
	for name, tc := range map[string]struct {
		filters []string
		want    []mockserver.Key
	}{
		"unused for 90 days: a never used key counts from its creation (the 2-day-old one is not stale)": {
			filters: []string{`unused_for = "90d"`},
			want:    []mockserver.Key{k.legacyCI, k.zapier},
		},
		"unused for hours and minutes": {
			filters: []string{`unused_for = "36h30m"`},
			want:    []mockserver.Key{k.legacyCI, k.zapier, k.billing, k.fresh},
		},
		"older than": {
			filters: []string{`older_than = "2160h"`},
			want:    []mockserver.Key{k.legacyCI, k.zapier, k.billing, k.ciPipeline},
		},
		"stale: unused and old": {
			filters: []string{`unused_for = "90d"`, `older_than = "30d"`},
			want:    []mockserver.Key{k.legacyCI, k.zapier},
		},
		"description regex": {
			filters: []string{`description_regex = "^(legacy|ci)-"`},
			want:    []mockserver.Key{k.legacyCI, k.ciPipeline},
		},
		"api key type": {
			filters: []string{`api_key_type = "special"`},
			want:    []mockserver.Key{k.billing},
		},
		"nothing matches": {
			filters: []string{`description_regex = "^nothing$"`},
			want:    []mockserver.Key{},
		},
	} {
		t.Run(name, func(t *testing.T) {
			env.unitTest(t, resource.TestCase{
				Steps: []resource.TestStep{{
					Config: env.dataSourceConfig(tc.filters...),
					ConfigStateChecks: []statecheck.StateCheck{
						expectFingerprints(tc.want...),
						statecheck.ExpectKnownValue(dataAddress, tfjsonpath.New("api_keys"), knownvalue.ListSizeExact(len(tc.want))),
					},
				}},
			})
		})
	}
}

// The filters of the data source and of the list resource, wrong one at a time: both share one set
// of attributes, so each bad value is sent to both.
func TestAPIKeysDataSource_badFilters(t *testing.T) {
	t.Parallel()
	const invalidDuration = "Invalid duration (such as 90d, 36h30m or 30s)"
	for _, tc := range []struct {
		name   string
		config map[string]any
		want   diagnostic
	}{
		{
			name:   "invalid description_regex",
			config: map[string]any{"description_regex": "ci-("},
			want:   errorAt("description_regex", "Invalid regular expression (RE2 syntax)", "description_regex: error parsing regexp: missing closing ): `ci-(`."),
		},
		{
			name:   "unused_for in words",
			config: map[string]any{"unused_for": "90 days"},
			want:   errorAt("unused_for", invalidDuration, `unused_for: "90 days" is not a duration: unknown unit " days" (use w, d, h, m, s, ms, us or ns).`),
		},
		{
			name:   "unused_for negative",
			config: map[string]any{"unused_for": "-90d"},
			want:   errorAt("unused_for", invalidDuration, `unused_for: "-90d" is negative: durations here are spans of time.`),
		},
		{
			name:   "older_than without unit",
			config: map[string]any{"older_than": "365"},
			want:   errorAt("older_than", invalidDuration, `older_than: "365" is not a duration: use a number and a unit, such as 90d, 36h or 30m.`),
		},
		{
			name:   "older_than too long",
			config: map[string]any{"older_than": "1000000d"},
			want:   errorAt("older_than", invalidDuration, `older_than: "1000000d" is not a duration: 1000000d is too long.`),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			server, schemas := protocolSchemas(t, options{})
			dataSource, err := server.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{
				TypeName: "circularo_api_keys",
				Config:   protocolConfig(t, schemas.DataSourceSchemas["circularo_api_keys"], tc.config),
			})
			if err != nil {
				t.Fatal(err)
			}
			expectDiagnostics(t, "ValidateDataResourceConfig", dataSource.Diagnostics, []diagnostic{tc.want})
			lister, ok := server.(tfprotov6.ListResourceServer)
			if !ok {
				t.Fatal("the provider server does not serve list resources")
			}
			list, err := lister.ValidateListResourceConfig(ctx, &tfprotov6.ValidateListResourceConfigRequest{
				TypeName: "circularo_api_key",
				Config:   protocolConfig(t, schemas.ListResourceSchemas["circularo_api_key"], tc.config),
			})
			if err != nil {
				t.Fatal(err)
			}
			expectDiagnostics(t, "ValidateListResourceConfig", list.Diagnostics, []diagnostic{tc.want})
		})
	}
}

// One bad filter through `terraform plan`; TestAPIKeysDataSource_badFilters checks every filter
// through the protocol server.
func TestAPIKeysDataSource_badFiltersThroughTheCLI(t *testing.T) {
	t.Parallel()
	badInput{
		config: func(e *testEnv) string { return e.dataSourceConfig(`description_regex = "ci-("`) },
		want:   []string{words(`description_regex = "ci-("`), words("description_regex: error parsing regexp: missing closing ): `ci-(`.")},
	}.run(t)
}
