package testkit

import (
	"strings"
	"testing"

	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
)

func TestSkipUnlessCLI(t *testing.T) {
	t.Parallel()
	tf := func(minor, patch int) terraformcli.Version {
		return terraformcli.Version{Product: terraformcli.Terraform, Major: 1, Minor: minor, Patch: patch}
	}
	tofu := func(minor, patch int) terraformcli.Version {
		return terraformcli.Version{Product: terraformcli.OpenTofu, Major: 1, Minor: minor, Patch: patch}
	}
	cases := []struct {
		name     string
		feature  Feature
		cli      terraformcli.Version
		wantSkip string // "" to run
	}{
		{"Terraform 1.16.4 runs", DestroyFalse, tf(16, 4), ""},
		{"Terraform 1.16.0 runs", DestroyFalse, tf(16, 0), ""},
		{"Terraform 1.15.0 skips", DestroyFalse, tf(15, 0), "Terraform v1.15.0 has no lifecycle { destroy = false } (Terraform 1.16 and later"},
		{"OpenTofu 1.12.6 runs", DestroyFalse, tofu(12, 6), ""},
		{"OpenTofu 1.12.0 runs", DestroyFalse, tofu(12, 0), ""},
		{"OpenTofu 1.11.0 skips", DestroyFalse, tofu(11, 0), "OpenTofu v1.11.0 has no lifecycle { destroy = false } (OpenTofu 1.12 and later"},
		{"OpenTofu lacking the feature skips", ActionDestroyTriggers, tofu(12, 6), "OpenTofu v1.12.6 has no before_destroy action triggers (Terraform 1.16 and later have it, OpenTofu none"},
		{"Terraform 2.0.0 runs", ActionDestroyTriggers, terraformcli.Version{Product: terraformcli.Terraform, Major: 2}, ""},
		// OpenTofu reports its own version: at 1.14 it still has no actions.
		{"OpenTofu 1.14.0 has no actions", Actions, tofu(14, 0), "OpenTofu v1.14.0 has no provider actions"},
		{"Terraform 1.14.0 has actions", Actions, tf(14, 0), ""},
		{"Terraform 1.13.5 has no actions", Actions, tf(13, 5), "Terraform v1.13.5 has no provider actions (action blocks, -invoke) (Terraform 1.14 and later"},
		{"OpenTofu 1.12.6 has no list resources", ListResources, tofu(12, 6), "OpenTofu v1.12.6 has no list resources"},
		// OpenTofu has some features before Terraform does.
		{"OpenTofu 1.7.0 has functions", Functions, tofu(7, 0), ""},
		{"Terraform 1.7.5 has no functions", Functions, tf(7, 5), "Terraform v1.7.5 has no provider-defined functions (Terraform 1.8 and later"},
		{"Terraform 1.10.0 has ephemeral resources", EphemeralResources, tf(10, 0), ""},
		{"OpenTofu 1.10.0 has no ephemeral resources", EphemeralResources, tofu(10, 0), "OpenTofu v1.10.0 has no ephemeral resources (OpenTofu 1.11 and later"},
		{"Terraform 1.11.4 has no identity", Identity, tf(11, 4), "Terraform v1.11.4 has no resource identity (Terraform 1.12 and later"},
		{"OpenTofu 1.12.6 has identity", Identity, tofu(12, 6), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.feature.missingIn(tc.cli)
			switch {
			case tc.wantSkip == "" && got != "":
				t.Errorf("skips (%q), want it to run", got)
			case tc.wantSkip != "" && !strings.HasPrefix(got, tc.wantSkip):
				t.Errorf("skip reason %q, want it to start with %q", got, tc.wantSkip)
			}
		})
	}
}

// TestCLIFeatures: every feature has a name and a Terraform minimum, and on the three CLIs that
// make test runs (Terraform 1.11.4 and 1.16.4, OpenTofu 1.12.6) each feature runs or skips as the
// tests were written for: the newest Terraform has every feature, the oldest those up to 1.11, and
// OpenTofu 1.12.6 what it has of them.
func TestCLIFeatures(t *testing.T) {
	t.Parallel()
	oldest := terraformcli.Version{Product: terraformcli.Terraform, Major: 1, Minor: 11, Patch: 4}
	newest := terraformcli.Version{Product: terraformcli.Terraform, Major: 1, Minor: 16, Patch: 4}
	tofu := terraformcli.Version{Product: terraformcli.OpenTofu, Major: 1, Minor: 12, Patch: 6}
	runsOnOldest := map[Feature]bool{ImportForEach: true, Functions: true, EphemeralResources: true}
	runsOnTofu := map[Feature]bool{ImportForEach: true, Functions: true, EphemeralResources: true, Identity: true, DestroyFalse: true}
	for f := range Feature(len(cliFeatures)) {
		if f.String() == "" || cliFeatures[f].terraform == "" {
			t.Errorf("feature %d has no name or no Terraform minimum: %+v", f, cliFeatures[f])
		}
		for _, c := range []struct {
			cli  terraformcli.Version
			runs bool
		}{{oldest, runsOnOldest[f]}, {newest, true}, {tofu, runsOnTofu[f]}} {
			why := f.missingIn(c.cli)
			if (why == "") != c.runs {
				t.Errorf("%s on %s: runs = %v (%q), want %v", f, c.cli, why == "", why, c.runs)
			}
			if why != "" && (!strings.Contains(why, c.cli.String()) || !strings.Contains(why, f.String())) {
				t.Errorf("%s on %s: the skip reason %q does not name the CLI, its version and the feature", f, c.cli, why)
			}
		}
	}
}
