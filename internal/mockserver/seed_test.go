package mockserver

import (
	"strings"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// TestSeedTime_ago: a relative time is now minus a duration as the provider reads it
// (duration.Parse), which refuses negative spans; weeks and repeated units count too. An empty
// one is no time at all (the field is unset), not an error.
func TestSeedTime_ago(t *testing.T) {
	t.Parallel()
	now := clock.Start()
	tests := []struct {
		in    string
		want  time.Duration
		bad   bool
		unset bool
	}{
		{in: "", unset: true},
		{in: "90d", want: 90 * 24 * time.Hour},
		{in: "1.5d", want: 36 * time.Hour},
		{in: "36h30m", want: 36*time.Hour + 30*time.Minute},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "0", want: 0},
		{in: "45s", want: 45 * time.Second},
		{in: "2w", want: 14 * 24 * time.Hour},
		{in: "1d1d", want: 48 * time.Hour},
		{in: "d", bad: true},
		{in: "-1d", bad: true},
		{in: "-5h", bad: true},
		{in: "1d-2h", bad: true},
		{in: "1e3d", bad: true},
		{in: "2y", bad: true},
	}
	for _, tt := range tests {
		got, err := seedTime("created", "", tt.in, now)
		if tt.unset {
			if got != nil || err != nil {
				t.Errorf("seedTime(%q) = %v, %v; want no time and no error", tt.in, got, err)
			}
			continue
		}
		if tt.bad {
			if err == nil || !strings.HasPrefix(err.Error(), "created_ago: ") {
				t.Errorf("seedTime(%q) = %v, %v; want a created_ago error", tt.in, got, err)
			}
			continue
		}
		if err != nil || got == nil || now.Sub(*got) != tt.want {
			t.Errorf("seedTime(%q) = %v, %v; want %v before now", tt.in, got, err, tt.want)
		}
	}
}

const testSeed = `{
  "users": [
    {
      "name": "ops", "password": "pw", "tenant": "acme", "email": "ops@example.com", "totp_secret": "JBSWY3DPEHPK3PXP",
      "keys": [
        {"id": "fixed-id", "description": "absolute", "created": "2024-01-02T03:04:05Z", "last_used": "2024-06-01T00:00:00+02:00"},
        {"description": "relative", "created_ago": "400d", "last_used_ago": "36h30m"},
        {"description": "never", "created_ago": "1d", "never_used": true},
        {"description": "defaults"}
      ]
    },
    {"name": "plain", "password": "pw2"}
  ]
}`

func TestApplySeed(t *testing.T) {
	t.Parallel()
	seed, err := LoadSeed(strings.NewReader(testSeed))
	if err != nil {
		t.Fatal(err)
	}
	f := setup(t, Options{})
	s := f.srv
	if err := s.ApplySeed(seed); err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	byDesc := map[string]Key{}
	for _, k := range s.Keys("ops") {
		byDesc[k.Description] = k
	}
	if len(byDesc) != 4 {
		t.Fatalf("keys = %+v", s.Keys("ops"))
	}
	check := func(desc string, created time.Time, lastUsed *time.Time) {
		t.Helper()
		k := byDesc[desc]
		if !k.Created.Equal(created) || (lastUsed == nil) != (k.LastUsed == nil) || (lastUsed != nil && !k.LastUsed.Equal(*lastUsed)) {
			t.Errorf("%s: created %v lastUsed %v; want %v, %v", desc, k.Created, k.LastUsed, created, lastUsed)
		}
		if desc != "absolute" && !tokenRE.MatchString(k.Value) {
			t.Errorf("%s: generated value %q", desc, k.Value)
		}
	}
	absUsed := time.Date(2024, 5, 31, 22, 0, 0, 0, time.UTC)
	relUsed := now.Add(-36*time.Hour - 30*time.Minute)
	check("absolute", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), &absUsed)
	check("relative", now.Add(-400*24*time.Hour), &relUsed)
	check("never", now.Add(-24*time.Hour), nil)
	check("defaults", now, nil)
	if byDesc["absolute"].Value != "fixed-id" {
		t.Errorf("seed value not kept: %q", byDesc["absolute"].Value)
	}

	// The seeded users behave like AddUser ones: tenant and MFA included.
	res := f.call("POST", "/login", "", map[string]any{"name": "ops", "password": "pw", "tenant": "acme"})
	expectStatus(t, res, 200, "")
	if res.body["isUnlocked"] != false {
		t.Errorf("seeded TOTP user is unlocked: %s", res.raw)
	}
	expectStatus(t, f.call("GET", "/api/key", "fixed-id", nil), 200, "")
	f.login("plain", "pw2")
}

func TestSeedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, json, want string }{
		{"unknown field", `{"users":[{"name":"u","pasword":"x"}]}`, "unknown field"},
		{"not json", `users: []`, "decode seed"},
		{"no name", `{"users":[{"password":"x"}]}`, "name is required"},
		{"both created", `{"users":[{"name":"u","keys":[{"description":"d","created":"2024-01-01T00:00:00Z","created_ago":"1d"}]}]}`, "not both"},
		{"both last used", `{"users":[{"name":"u","keys":[{"description":"d","last_used":"2024-01-01T00:00:00Z","last_used_ago":"1d"}]}]}`, "not both"},
		{"never used and used", `{"users":[{"name":"u","keys":[{"description":"d","last_used_ago":"1d","never_used":true}]}]}`, "never_used"},
		{"bad duration", `{"users":[{"name":"u","keys":[{"description":"d","created_ago":"3 days"}]}]}`, "created_ago"},
		{"bad time", `{"users":[{"name":"u","keys":[{"description":"d","created":"yesterday"}]}]}`, "created"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := New(Options{})
			s.AddUser(User{Name: "existing", Password: "p"})
			seed, err := LoadSeed(strings.NewReader(tt.json))
			if err == nil {
				// Prepend a valid user: a failing seed must not apply it either.
				seed.Users = append([]SeedUser{{Name: "first", Keys: []SeedKey{{Description: "k"}}}}, seed.Users...)
				err = s.ApplySeed(seed)
				if len(s.Keys("first")) != 0 {
					t.Error("invalid seed was partly applied")
				}
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestSeedErrorsHideKeyValues(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("S", 64)
	err := New(Options{}).ApplySeed(Seed{Users: []SeedUser{{Name: "u", Keys: []SeedKey{{Value: secret, Description: "d", CreatedAgo: "x"}}}}})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("err = %v", err)
	}
}

func TestDefaultSeed(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	if err := f.srv.ApplySeed(DefaultSeed()); err != nil {
		t.Fatal(err)
	}
	res := f.call("GET", "/api/key", f.login("demo", "demo-password"), nil)
	expectStatus(t, res, 200, "")

	cutoff := f.clock.Now().Add(-90 * 24 * time.Hour)
	var stale, fresh []string
	for _, k := range f.srv.Keys("demo") {
		// The provider's rule: unused for 90 days, or never used and older than 90 days.
		last := k.Created
		if k.LastUsed != nil {
			last = *k.LastUsed
		}
		if last.Before(cutoff) {
			stale = append(stale, k.Description)
		} else {
			fresh = append(fresh, k.Description)
		}
	}
	if len(stale) != 3 || len(fresh) != 3 {
		t.Errorf("stale %v fresh %v, want 3 and 3", stale, fresh)
	}
	for _, want := range []string{"legacy-ci", "old-zapier"} {
		if !strings.Contains(strings.Join(stale, ","), want) {
			t.Errorf("%s should be stale: %v", want, stale)
		}
	}
	if !strings.Contains(strings.Join(fresh, ","), "ci-pipeline") {
		t.Errorf("ci-pipeline should be fresh: %v", fresh)
	}
}
