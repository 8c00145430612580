package testkit

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
)

// SkipUnlessCLI is a tfversion check for a feature that Terraform has from terraformMin and OpenTofu
// from opentofuMin ("": OpenTofu lacks it). tfversion's own checks cannot tell the two apart, since
// OpenTofu reports its own version (1.12.6 is "below 1.16.0", though it has lifecycle destroy = false),
// so this one asks the CLI that the tests run (terraformcli.Binary: TF_ACC_TERRAFORM_PATH, else
// terraform on PATH) for its name. The test skips, naming the CLI and the feature, when it lacks it.
func SkipUnlessCLI(feature, terraformMin, opentofuMin string) tfversion.TerraformVersionCheck {
	return cliCheck{feature: feature, terraformMin: terraformMin, opentofuMin: opentofuMin}
}

type cliCheck struct {
	feature, terraformMin, opentofuMin string
}

func (c cliCheck) CheckTerraformVersion(ctx context.Context, _ tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	resp.Skip, resp.Error = c.check(ctx)
}

func (c cliCheck) check(ctx context.Context) (string, error) {
	_, v, err := terraformcli.InUse(ctx)
	if err != nil {
		return "", err
	}
	return c.skip(v), nil
}

// RequireCLI is SkipUnlessCLI for a test that runs the CLI itself (through terraformcli), outside
// a resource.TestCase: it skips t when the CLI lacks the feature.
func RequireCLI(t testing.TB, feature, terraformMin, opentofuMin string) {
	t.Helper()
	why, err := cliCheck{feature: feature, terraformMin: terraformMin, opentofuMin: opentofuMin}.check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if why != "" {
		t.Skip(why)
	}
}

// skip says why a CLI of version v cannot run the test, or "" when it can.
func (c cliCheck) skip(v terraformcli.Version) string {
	minimum := c.terraformMin
	if v.IsOpenTofu() {
		minimum = c.opentofuMin
	}
	if minimum == "" {
		return fmt.Sprintf("%s has no %s (Terraform %s and later have it)", v, c.feature, c.terraformMin)
	}
	current := version.Must(version.NewVersion(fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)))
	if current.LessThan(version.Must(version.NewVersion(minimum))) {
		return fmt.Sprintf("%s has no %s (%s %s and later have it)", v, c.feature, v.Product, minimum)
	}
	return ""
}

// IsOpenTofu reports whether the CLI that the tests run is OpenTofu, for the few checks whose
// expected outcome differs from Terraform's.
func IsOpenTofu(t testing.TB) bool {
	t.Helper()
	_, v, err := terraformcli.InUse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v.IsOpenTofu()
}
