package testkit

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
)

// build is the provider binary of this test binary, built by the first test that needs it. It is
// written once (sync.Once) and only read afterwards: a memo of a build from the same source, not
// state that any test controls or changes, so tests that share it still share nothing mutable.
var build struct {
	once sync.Once
	dir  string
	err  error
}

// ProviderDir returns a directory holding the provider binary (terraform-provider-circularo) for
// dev_overrides, built at most once per test binary, so that the tests that run the provider as its
// own process share one `go build`. The directory is under the system's temporary directory; call
// RemoveProviderBuild after the tests (from TestMain) to remove it.
func ProviderDir(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		// Not t.TempDir: every test of the binary shares the build, so it outlives the first test;
		// the provider's TestMain removes it (RemoveProviderBuild).
		build.dir, build.err = os.MkdirTemp("", "terraform-provider-circularo-test-") //nolint:usetesting // see above
		if build.err == nil {
			_, build.err = terraformcli.BuildProvider(ctx, build.dir)
		}
	})
	if build.err != nil {
		t.Fatalf("build the provider: %v", build.err)
	}
	return build.dir
}

// RemoveProviderBuild removes the binary that ProviderDir built, if any. TestMain calls it after
// every test has run.
func RemoveProviderBuild() {
	if build.dir != "" {
		_ = os.RemoveAll(build.dir)
	}
}

// Workdir is a terraformcli.Workdir in a temporary directory of t that runs the provider binary of
// ProviderDir. Every CIRCULARO_* variable of the process is emptied in the CLI's environment, which
// Terraform passes on to the provider, so that a developer's settings cannot leak into the test:
// add the test's own to Env.
func Workdir(t testing.TB) *terraformcli.Workdir {
	t.Helper()
	wd, err := terraformcli.NewWorkdir(t.TempDir(), ProviderDir(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "CIRCULARO_") {
			wd.Env = append(wd.Env, name+"=")
		}
	}
	return wd
}
