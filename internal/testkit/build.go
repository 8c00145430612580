package testkit

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// skipShort skips t under -short: a test that builds the provider runs terraform several times.
func skipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the provider and runs terraform several times")
	}
}

// ProviderDir returns a directory holding the provider binary (terraform-provider-circularo) for
// dev_overrides, built at most once per test binary, so that the tests that run the provider as its
// own process share one `go build`. The directory is under the system's temporary directory; call
// RemoveProviderBuild after the tests (from TestMain) to remove it. t skips under -short.
func ProviderDir(t testing.TB) string {
	t.Helper()
	skipShort(t)
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
// add the test's own to Env. Its configurations start with TerraformBlock. t skips under -short.
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

// TerraformBlock requires the provider from the source address that Workdir's CLI configuration
// serves from the build: the start of a Workdir test's configuration.
func TerraformBlock() string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    circularo = {
      source = %q
    }
  }
}
`, terraformcli.ProviderSource())
}

// PreviousProvider returns the provider binary built from the source of an earlier commit of this
// repository, for tests that upgrade a state written by that build. It is built once per commit
// (from `git archive` of the commit, so the work tree and the repository's worktrees are left alone)
// and cached outside the repository, beside the CLIs:
// <user cache dir>/terraform-provider-circularo/previous-build/<commit>/terraform-provider-circularo
// (the user cache dir is ${XDG_CACHE_HOME:-$HOME/.cache} on Linux). version is set into main.version.
//
// t skips, saying why, when git is missing, the tests do not run in a git checkout, or the commit is not
// in it (a shallow clone: `git fetch --unshallow` brings it), and under -short.
func PreviousProvider(t testing.TB, commit, version string) string {
	t.Helper()
	skipShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root, err := terraformcli.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skipf("no git on PATH: the provider of commit %s cannot be built", commit)
	}
	full, err := exec.CommandContext(ctx, git, "-C", root, "rev-parse", "--verify", "-q", commit+"^{commit}").Output()
	if err != nil {
		t.Skipf("commit %s is not in the git repository at %s (a shallow clone? git fetch --unshallow brings it): %v", commit, root, err)
	}
	commit = strings.TrimSpace(string(full))
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("no cache directory for the build of commit %s: %v", commit, err)
	}
	dir := filepath.Join(cache, "terraform-provider-circularo", "previous-build", commit+"-"+version)
	bin := filepath.Join(dir, "terraform-provider-circularo")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Built in a directory of its own beside the cache entry and renamed into it, so that a test
	// binary running at the same time (make test runs the package with several CLIs) never sees half
	// a binary. Not t.TempDir: a rename into the cache must not cross file systems.
	work, err := os.MkdirTemp(dir, "build-") //nolint:usetesting // see above
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(work) }()
	src := filepath.Join(work, "src")
	archive := filepath.Join(work, "src.tar")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	steps := [][]string{
		{git, "-C", root, "archive", "--format=tar", "-o", archive, commit},
		{"tar", "-xf", archive, "-C", src},
	}
	for _, s := range steps {
		if out, err := exec.CommandContext(ctx, s[0], s[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("extract commit %s: %s: %v\n%s", commit, strings.Join(s, " "), err, out)
		}
	}
	out := filepath.Join(work, "terraform-provider-circularo")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-X main.version="+version+" -X main.commit="+commit, "-o", out, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of commit %s: %v\n%s", commit, err, b)
	}
	if err := os.Rename(out, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}
