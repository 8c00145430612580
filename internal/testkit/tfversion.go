package testkit

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
)

// Feature is a CLI feature that a test needs, one of the constants below. A test gates on it in one
// of two ways: TerraformVersionChecks: SkipUnlessCLI(f) in a resource.TestCase, or RequireCLI(t, f)
// in a test that runs the CLI itself (through terraformcli).
type Feature int

// The CLI features that the tests need, in the order in which Terraform brought them.
const (
	ImportForEach Feature = iota
	Functions
	EphemeralResources
	Identity
	ListResources
	Actions
	ActionDestroyTriggers
	InvokeWithTarget
	ImportInModules
	DestroyFalse
)

// cliFeatures is the one table of which Terraform and which OpenTofu first has each feature ("": that
// CLI has none yet). The user's copy of these numbers is the version table of the provider's page,
// templates/index.md.tmpl (between <!-- versions:begin --> and <!-- versions:end -->): a feature that
// has a row there has the same numbers here (internal/doccheck's TestCLIGatesAgreeWithTheProviderPage
// checks it). Import blocks with for_each, provider functions and ephemeral resources are folded into
// its first row, the provider's own minimum (Terraform 1.11, OpenTofu 1.12); here they keep each
// CLI's first release with them, every one of them at or below that minimum.
//
// tfversion.SkipBelow cannot stand in for this table: OpenTofu reports its own version, so that
// OpenTofu 1.12.6 is "below 1.16.0" although it has lifecycle destroy = false, and "at least 1.14"
// although it has no actions.
var cliFeatures = [...]struct {
	name                string
	terraform, opentofu string
}{
	ImportForEach:         {"import blocks with for_each", "1.7", "1.7"},
	Functions:             {"provider-defined functions", "1.8", "1.7"},
	EphemeralResources:    {"ephemeral resources", "1.10", "1.11"},
	Identity:              {"resource identity", "1.12", "1.12"},
	ListResources:         {"list resources (terraform query)", "1.14", ""},
	Actions:               {"provider actions (action blocks, -invoke)", "1.14", ""},
	ActionDestroyTriggers: {"before_destroy action triggers", "1.16", ""},
	InvokeWithTarget:      {"-invoke with -target", "1.16", ""},
	ImportInModules:       {"import blocks inside modules", "1.16", ""},
	DestroyFalse:          {"lifecycle { destroy = false }", "1.16", "1.12"},
}

func (f Feature) String() string {
	return cliFeatures[f].name
}

// missingIn says why a CLI of version v cannot run a test that needs f, naming the CLI, its version
// and the feature, or "" when it can.
func (f Feature) missingIn(v terraformcli.Version) string {
	row := cliFeatures[f]
	minimum := row.terraform
	if v.IsOpenTofu() {
		minimum = row.opentofu
	}
	if minimum == "" {
		return fmt.Sprintf("%s has no %s (Terraform %s and later have it, OpenTofu none yet)", v, row.name, row.terraform)
	}
	current := version.Must(version.NewVersion(fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)))
	if current.LessThan(version.Must(version.NewVersion(minimum))) {
		return fmt.Sprintf("%s has no %s (%s %s and later have it)", v, row.name, v.Product, minimum)
	}
	return ""
}

// cliLacks asks the CLI that the tests run (terraformcli.InUse: TF_ACC_TERRAFORM_PATH, else
// terraform on PATH) for its product and version, and says why it cannot run a test that needs f,
// or "" when it can. Every gate goes through it.
func cliLacks(ctx context.Context, f Feature) (string, error) {
	_, v, err := terraformcli.InUse(ctx)
	if err != nil {
		return "", err
	}
	return f.missingIn(v), nil
}

// SkipUnlessCLI gates a resource.TestCase on a feature: the test skips, naming the CLI, its version
// and the feature, on a CLI that lacks it.
func SkipUnlessCLI(f Feature) []tfversion.TerraformVersionCheck {
	return []tfversion.TerraformVersionCheck{cliCheck(f)}
}

type cliCheck Feature

func (c cliCheck) CheckTerraformVersion(ctx context.Context, _ tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	resp.Skip, resp.Error = cliLacks(ctx, Feature(c))
}

// RequireCLI is SkipUnlessCLI for a test that runs the CLI itself (through terraformcli), outside
// a resource.TestCase: it skips t when the CLI lacks the feature.
func RequireCLI(t testing.TB, f Feature) {
	t.Helper()
	if why := CLILacks(t, f); why != "" {
		t.Skip(why)
	}
}

// CLILacks says why the CLI that the tests run lacks the feature (as RequireCLI would skip), or ""
// when it has it, for a test that runs on every CLI and checks more where the feature is there.
func CLILacks(t testing.TB, f Feature) string {
	t.Helper()
	why, err := cliLacks(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return why
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

// Features returns every feature of the table, for internal/doccheck, which holds each one's Minimums
// against the provider page's version table.
func Features() []Feature {
	fs := make([]Feature, len(cliFeatures))
	for i := range fs {
		fs[i] = Feature(i)
	}
	return fs
}

// Minimums returns the first Terraform and the first OpenTofu release with f ("": none yet).
func (f Feature) Minimums() (terraform, opentofu string) {
	return cliFeatures[f].terraform, cliFeatures[f].opentofu
}
