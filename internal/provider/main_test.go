package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// TestMain runs the package's tests through terraform-plugin-testing's TestMain, which adds the
// sweeper flags: `go test ./internal/provider -sweep=all` (make sweep) runs the sweepers of
// acc_sweeper_test.go instead of the tests. The provider binary that testkit built for the tests
// that run it as its own process is removed afterwards.
func TestMain(m *testing.M) {
	resource.TestMain(removingProviderBuild{m})
}

type removingProviderBuild struct{ m *testing.M }

func (r removingProviderBuild) Run() int {
	defer testkit.RemoveProviderBuild()
	return r.m.Run()
}
