package doccheck

import (
	"path/filepath"
	"testing"

	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// gateRows gives each CLI feature that the tests gate on (internal/testkit/tfversion.go) its row of
// the provider page's version table, or folded for a feature of the first row, the provider's own
// minimum, which names import blocks with for_each, the function and the ephemeral resources
// without their CLIs' first releases.
var gateRows = map[testkit.Feature]int{
	testkit.ImportForEach:         folded,
	testkit.Functions:             folded,
	testkit.EphemeralResources:    folded,
	testkit.Identity:              1,
	testkit.ListResources:         2,
	testkit.Actions:               3,
	testkit.ActionDestroyTriggers: 4,
	testkit.InvokeWithTarget:      4,
	testkit.ImportInModules:       5,
	testkit.DestroyFalse:          6,
}

const folded = -1

// The tests' table of CLI features and the user's version table give the same numbers: a feature with
// a row of its own has that row's minimums ("no" there is none here), and a feature folded into the
// provider's row is there in both CLIs, at or below the provider's minimum.
func TestCLIGatesAgreeWithTheProviderPage(t *testing.T) {
	t.Parallel()
	table := readTable(t, filepath.Join(repoRoot(t), "templates", "index.md.tmpl"))
	for _, f := range testkit.Features() {
		row, ok := gateRows[f]
		if !ok {
			t.Errorf("%s: no row of the provider page's version table in gateRows", f)
			continue
		}
		terraform, opentofu := f.Minimums()
		for _, c := range []struct{ product, got string }{{"Terraform", terraform}, {"OpenTofu", opentofu}} {
			if row == folded {
				if provider := table[0].version(c.product); c.got == "" || less(provider, c.got) {
					t.Errorf("%s: the tests' minimum %s is %q, not at or below the provider's own, %s %s", f, c.product, c.got, c.product, provider)
				}
				continue
			}
			want := table[row].version(c.product)
			if want == "no" {
				want = ""
			}
			if c.got != want {
				t.Errorf("%s: the tests' minimum %s is %q, the provider page's table (%q) says %q", f, c.product, c.got, table[row].feature, table[row].version(c.product))
			}
		}
	}
}
