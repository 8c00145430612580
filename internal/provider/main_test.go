package provider

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestMain runs the package's tests through terraform-plugin-testing's TestMain, which adds the
// sweeper flags: `go test ./internal/provider -sweep=all` (make sweep) runs the sweepers of
// acc_sweeper_test.go instead of the tests.
func TestMain(m *testing.M) {
	resource.TestMain(accSessionsClosed{m})
}

// accSessionsClosed runs the tests, then, in an acceptance run (TF_ACC set), logs out the sessions
// that the in-process provider opened, as Serve does when Terraform stops the plugin: in-process
// tests never stop it, and every session left open on a real account lives for 30 days. Not in the
// mock suite, whose servers are gone by then: the logouts would only wait for their retries.
type accSessionsClosed struct{ m *testing.M }

func (r accSessionsClosed) Run() int {
	code := r.m.Run()
	if os.Getenv(resource.EnvTfAcc) != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		closeSessions(ctx)
	}
	return code
}
