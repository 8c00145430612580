package provider

import (
	"context"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// fakePrivateState is a resource's private state: entries by key, or an error for every read.
type fakePrivateState struct {
	entries map[string][]byte
	readErr string // the summary of the error every GetKey returns; "" for none
}

func (p *fakePrivateState) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	if p.readErr != "" {
		return nil, diag.Diagnostics{diag.NewErrorDiagnostic(p.readErr, "the private state cannot be read")}
	}
	return p.entries[key], nil
}

func (p *fakePrivateState) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	if p.entries == nil {
		p.entries = map[string][]byte{}
	}
	p.entries[key] = value
	return nil
}

// TestRotationDue: a key is due when created + rotate_after is at or before the refresh time that
// Read recorded; without a readable record it is never due, so that no replacement comes from a
// plan that did not refresh.
func TestRotationDue(t *testing.T) {
	t.Parallel()
	createdAt := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	dueAt := createdAt.Add(30 * testkit.Day)
	created, thirtyDays := timetypes.NewRFC3339TimeValue(createdAt), types.StringValue("30d")
	refreshedAt := func(at time.Time) *fakePrivateState {
		p := &fakePrivateState{}
		if diags := setRefreshedAt(context.Background(), p, at); diags.HasError() { // the record as Read writes it
			t.Fatal(diags)
		}
		return p
	}
	record := func(raw string) *fakePrivateState {
		return &fakePrivateState{entries: map[string][]byte{refreshedAtKey: []byte(raw)}}
	}
	for _, tc := range []struct {
		name        string
		created     timetypes.RFC3339
		rotateAfter types.String
		private     *fakePrivateState
		due         bool
		dueAt       time.Time // zero when rotationDue cannot tell
		diagnostic  string    // the summary of the error passed on, if any
	}{
		{"refreshed a second before it is due", created, thirtyDays, refreshedAt(dueAt.Add(-time.Second)), false, dueAt, ""},
		{"refreshed at the moment it is due", created, thirtyDays, refreshedAt(dueAt), true, dueAt, ""},
		{"refreshed after it is due", created, thirtyDays, refreshedAt(dueAt.Add(time.Hour)), true, dueAt, ""},
		{"rotate_after in hours", created, types.StringValue("720h"), refreshedAt(dueAt), true, dueAt, ""},
		{"refresh recorded in another zone", created, thirtyDays, record(`"2025-01-31T00:59:59+01:00"`), false, dueAt, ""},
		{"no refresh record", created, thirtyDays, &fakePrivateState{}, false, time.Time{}, ""},
		{"record that is not JSON", created, thirtyDays, record(`2025-03-01T00:00:00Z`), false, time.Time{}, ""},
		{"record that is not a time", created, thirtyDays, record(`"yesterday"`), false, time.Time{}, ""},
		{"record that is not a string", created, thirtyDays, record(`1735689600`), false, time.Time{}, ""},
		{"private state unreadable", created, thirtyDays, &fakePrivateState{readErr: "Broken private state"}, false, time.Time{}, "Broken private state"},
		{"rotate_after null", created, types.StringNull(), refreshedAt(dueAt), false, time.Time{}, ""},
		{"rotate_after unknown", created, types.StringUnknown(), refreshedAt(dueAt), false, time.Time{}, ""},
		{"rotate_after zero", created, types.StringValue("0s"), refreshedAt(dueAt), false, time.Time{}, ""},
		{"rotate_after unparsable", created, types.StringValue("soon"), refreshedAt(dueAt), false, time.Time{}, ""},
		{"created null", timetypes.NewRFC3339Null(), thirtyDays, refreshedAt(dueAt), false, time.Time{}, ""},
		{"created unknown", timetypes.NewRFC3339Unknown(), thirtyDays, refreshedAt(dueAt), false, time.Time{}, ""},
		{"created unreadable", timetypes.RFC3339{StringValue: basetypes.NewStringValue("1 January 2025")}, thirtyDays,
			refreshedAt(dueAt), false, time.Time{}, "RFC3339 ValueRFC3339Time Error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			due, gotDueAt, diags := rotationDue(context.Background(), apiKeyResourceModel{Created: tc.created}, tc.rotateAfter, tc.private)
			if due != tc.due || !gotDueAt.Equal(tc.dueAt) {
				t.Errorf("rotationDue = %v, due at %v; want %v, due at %v", due, gotDueAt, tc.due, tc.dueAt)
			}
			switch {
			case tc.diagnostic == "" && len(diags) != 0:
				t.Errorf("diagnostics %v, want none", diags)
			case tc.diagnostic != "" && (len(diags) != 1 || diags[0].Severity() != diag.SeverityError || diags[0].Summary() != tc.diagnostic):
				t.Errorf("diagnostics %v, want one error %q", diags, tc.diagnostic)
			}
		})
	}
}

// TestKeepersForceReplacement: a change of keepers replaces the key; setting keepers where there
// were none (adopting a key) or removing them does not.
func TestKeepersForceReplacement(t *testing.T) {
	t.Parallel()
	keepers := func(kv ...string) types.Map {
		elems := map[string]attr.Value{}
		for i := 0; i < len(kv); i += 2 {
			elems[kv[i]] = types.StringValue(kv[i+1])
		}
		return types.MapValueMust(types.StringType, elems)
	}
	null, unknown := types.MapNull(types.StringType), types.MapUnknown(types.StringType)
	for _, tc := range []struct {
		name        string
		state, plan types.Map
		replace     bool
	}{
		{"null to null", null, null, false},
		{"null to set: adopting a key", null, keepers("rotation", "1"), false},
		{"set to null: removing keepers", keepers("rotation", "1"), null, false},
		{"equal", keepers("rotation", "1", "owner", "ci"), keepers("owner", "ci", "rotation", "1"), false},
		{"a value changed", keepers("rotation", "1"), keepers("rotation", "2"), true},
		{"a keeper added", keepers("rotation", "1"), keepers("rotation", "1", "owner", "ci"), true},
		{"a keeper removed", keepers("rotation", "1", "owner", "ci"), keepers("rotation", "1"), true},
		{"set to empty", keepers("rotation", "1"), keepers(), true},
		// A keeper from a resource that is itself replaced is unknown until apply.
		{"set to unknown", keepers("rotation", "1"), unknown, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := keepersForceReplacement(tc.state, tc.plan); got != tc.replace {
				t.Errorf("keepersForceReplacement(%v, %v) = %v, want %v", tc.state, tc.plan, got, tc.replace)
			}
		})
	}
}

// TestFormatDuration: durations in warnings read as users write them.
func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		7 * testkit.Day:                 "7d",
		48 * time.Hour:                  "2d",
		testkit.Day:                     "24h", // one day reads as the default revocation_warning_window: 24h
		36 * time.Hour:                  "36h",
		time.Hour:                       "1h",
		90 * time.Minute:                "90m",
		30 * time.Minute:                "30m",
		90 * time.Second:                "1m30s",
		1500 * time.Millisecond:         "1.5s",
		2*testkit.Day + 30*time.Second:  "48h0m30s",
		365*testkit.Day + 1*time.Minute: "525601m",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
