package testkit

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
)

// Version1_16_0 is Terraform 1.16.0 (August 2026), for tfversion checks: terraform-plugin-testing
// v1.16.0 names versions up to 1.15.0. A function, not a variable, so that no test can change the
// version another test reads.
func Version1_16_0() *version.Version { return version.Must(version.NewVersion("1.16.0")) }

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

func (c cliCheck) CheckTerraformVersion(ctx context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	bin, err := terraformcli.Binary()
	if err != nil {
		resp.Error = err
		return
	}
	v, err := terraformcli.CLIVersion(ctx, bin)
	if err != nil {
		resp.Error = err
		return
	}
	resp.Skip = c.skip(v)
}

// skip says why a CLI of version v cannot run the test, or "" when it can.
func (c cliCheck) skip(v terraformcli.Version) string {
	minimum := c.terraformMin
	if v.Product == "OpenTofu" {
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
