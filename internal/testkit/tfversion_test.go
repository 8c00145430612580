package testkit

import (
	"strings"
	"testing"

	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
)

func TestSkipUnlessCLI(t *testing.T) {
	t.Parallel()
	destroyFalse := cliCheck{feature: "lifecycle destroy = false", terraformMin: "1.16.0", opentofuMin: "1.12.0"}
	actions := cliCheck{feature: "before_destroy triggers", terraformMin: "1.16.0"}
	cases := []struct {
		name     string
		check    cliCheck
		cli      terraformcli.Version
		wantSkip string // "" to run
	}{
		{"Terraform 1.16.4 runs", destroyFalse, terraformcli.Version{Product: "Terraform", Major: 1, Minor: 16, Patch: 4}, ""},
		{"Terraform 1.16.0 runs", destroyFalse, terraformcli.Version{Product: "Terraform", Major: 1, Minor: 16}, ""},
		{"Terraform 1.15.0 skips", destroyFalse, terraformcli.Version{Product: "Terraform", Major: 1, Minor: 15}, "Terraform v1.15.0 has no lifecycle destroy = false (Terraform 1.16.0 and later"},
		{"OpenTofu 1.12.6 runs", destroyFalse, terraformcli.Version{Product: "OpenTofu", Major: 1, Minor: 12, Patch: 6}, ""},
		{"OpenTofu 1.11.0 skips", destroyFalse, terraformcli.Version{Product: "OpenTofu", Major: 1, Minor: 11}, "OpenTofu v1.11.0 has no lifecycle destroy = false (OpenTofu 1.12.0 and later"},
		{"OpenTofu lacking the feature skips", actions, terraformcli.Version{Product: "OpenTofu", Major: 1, Minor: 12, Patch: 6}, "OpenTofu v1.12.6 has no before_destroy triggers (Terraform 1.16.0 and later"},
		{"Terraform 2.0.0 runs", actions, terraformcli.Version{Product: "Terraform", Major: 2}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.check.skip(tc.cli)
			switch {
			case tc.wantSkip == "" && got != "":
				t.Errorf("skips (%q), want it to run", got)
			case tc.wantSkip != "" && !strings.HasPrefix(got, tc.wantSkip):
				t.Errorf("skip reason %q, want it to start with %q", got, tc.wantSkip)
			}
		})
	}
}
