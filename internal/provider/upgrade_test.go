package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// upgradeFromCommit is the earlier build whose state the current build must take over without a
// change: the last commit on main before the schema grew approve_revocation_of and the rotating key.
// Until 0.1.0 is on the registry, there is no release to upgrade from; DESIGN.md ("Upgrade tests")
// says how this test moves to the registry release once there is.
const upgradeFromCommit = "abed4c72be1ebb9b45b773164d27a9c02910da91"

// The versions under which the two builds sit in the test's filesystem mirror: labels for `terraform
// init`, not releases.
const (
	upgradeFromVersion = "0.0.1"
	upgradeToVersion   = "0.0.2"
)

// A state written by the previous build (upgradeFromCommit) plans clean with the current build, as a
// user upgrades: both builds sit in one filesystem mirror (no registry, no dev_overrides), the
// previous one applies, then the configuration asks for the current one and `terraform init
// -upgrade` installs it in the same working directory. Every way a key comes under management is in
// the state: created (store_token true and false), adopted by an import block with a fingerprint,
// with a token value, and, on CLIs with resource identity (Terraform and OpenTofu 1.12+), with an
// identity. The current build must then plan no change, with and without a refresh, create and
// revoke nothing, and keep each resource's identity.
func TestAPIKeyResource_upgradeFromPreviousBuild(t *testing.T) {
	t.Parallel()
	previous := testkit.PreviousProvider(t, upgradeFromCommit, upgradeFromVersion)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// "" on a CLI with resource identity; Terraform 1.11 has none: no import by identity, nothing to compare.
	noIdentity := testkit.CLILacks(t, testkit.Identity)

	env := newEnv(t)
	byFingerprint := env.Mock.AddKey(testkit.User, env.Key("adopted-by-fingerprint", 90*testkit.Day, nil))
	byValue := env.Mock.AddKey(testkit.User, env.Key("adopted-by-value", 30*testkit.Day, nil))
	byIdentity := env.Mock.AddKey(testkit.User, env.Key("adopted-by-identity", 10*testkit.Day, nil))

	wd := testkit.Workdir(t)
	mirror := filepath.Join(wd.Dir, "mirror")
	installInMirror(t, mirror, upgradeFromVersion, previous)
	installInMirror(t, mirror, upgradeToVersion, filepath.Join(testkit.ProviderDir(t), "terraform-provider-circularo"))
	// Only the mirror: an install that looked anywhere else (a registry, dev_overrides) would fail.
	wd.CLIConfig = filepath.Join(wd.Dir, "mirror.tfrc")
	if err := os.WriteFile(wd.CLIConfig, []byte(fmt.Sprintf(
		"provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [%q]\n  }\n}\n",
		mirror, terraformcli.ProviderSource())), 0o600); err != nil {
		t.Fatal(err)
	}

	resources := []string{"created", "created_without_token", "by_fingerprint", "by_value"}
	adoptions := fmt.Sprintf(`
resource "circularo_api_key" "created" {
  description = "created"
}

resource "circularo_api_key" "created_without_token" {
  description = "created-without-token"
  store_token = false
}

import {
  to = circularo_api_key.by_fingerprint
  id = %q
}

resource "circularo_api_key" "by_fingerprint" {
  description = "adopted-by-fingerprint"
}

import {
  to = circularo_api_key.by_value
  id = %q
}

resource "circularo_api_key" "by_value" {
  description = "adopted-by-value"
  store_token = false
}
`, client.Fingerprint(byFingerprint.Value), byValue.Value)
	if noIdentity == "" {
		resources = append(resources, "by_identity")
		adoptions += fmt.Sprintf(`
import {
  to       = circularo_api_key.by_identity
  identity = { fingerprint = %q }
}

resource "circularo_api_key" "by_identity" {
  description = "adopted-by-identity"
}
`, client.Fingerprint(byIdentity.Value))
	}
	config := func(version string) string {
		return fmt.Sprintf(`
terraform {
  required_providers {
    circularo = {
      source  = %q
      version = "= %s"
    }
  }
}
`, terraformcli.ProviderSource(), version) + env.ProviderBlock() + adoptions
	}
	write := func(hcl string) {
		t.Helper()
		if err := wd.WriteConfig(hcl); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := wd.Run(ctx, append(args, "-no-color")...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// planExitCode runs `plan -detailed-exitcode`: 0 is an empty plan, 2 a plan with changes.
	planExitCode := func(what string, args ...string) {
		t.Helper()
		cmd := wd.Command(ctx, append([]string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, args...)...)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &exit) && exit.ExitCode() == 2:
			t.Errorf("%s: the plan has changes (plan -detailed-exitcode exited 2):\n%s", what, out)
		default:
			t.Fatalf("%s: plan failed: %v\n%s", what, err, out)
		}
	}
	noCreateOrRevokeSince := func(what string, creates int) {
		t.Helper()
		if c, d := env.Mock.Count("create_key"), env.Mock.Count("delete_key"); c != creates || d != 0 {
			t.Errorf("%s: %d keys were created and %d revoked, want %d and none", what, c, d, creates)
		}
	}

	// The previous build creates and adopts the keys.
	write(config(upgradeFromVersion))
	run("init", "-input=false")
	installed(t, wd.Dir, upgradeFromVersion)
	run("apply", "-auto-approve", "-input=false")
	noCreateOrRevokeSince("the previous build's apply", 2)
	planExitCode("the previous build on its own state") // the premise: a clean state to upgrade
	before := stateIdentities(ctx, t, wd, resources)

	// The same working directory moves to the current build, as an upgrade does.
	write(config(upgradeToVersion))
	run("init", "-upgrade", "-input=false")
	installed(t, wd.Dir, upgradeToVersion)
	planExitCode("the current build on the previous build's state")
	planExitCode("the current build on the previous build's state, -refresh=false", "-refresh=false")
	// An apply stores what the current build read, identity included; it must change nothing.
	run("apply", "-auto-approve", "-input=false")
	planExitCode("the current build after its own apply")
	noCreateOrRevokeSince("after the upgrade", 2)
	after := stateIdentities(ctx, t, wd, resources)

	if noIdentity != "" {
		t.Logf("identity not compared: %s", noIdentity)
		return
	}
	for _, name := range resources {
		address := "circularo_api_key." + name
		b, a := before[address], after[address]
		switch {
		case b.fingerprint == "":
			t.Errorf("%s has no identity in the previous build's state", address)
		case b.fingerprint != b.id:
			t.Errorf("%s: the previous build's identity %q is not its id %q", address, b.fingerprint, b.id)
		case a != b:
			t.Errorf("%s: the identity changed with the upgrade: %+v before, %+v after", address, b, a)
		}
	}
	t.Logf("identities of %d resources compared across the upgrade", len(resources))
}

// installInMirror puts the provider binary bin into mirror, a filesystem mirror in the unpacked layout
// (<host>/circularo/circularo/<version>/<os>_<arch>/terraform-provider-circularo_v<version>), as the
// registry's release would unpack.
func installInMirror(t *testing.T, mirror, version, bin string) {
	t.Helper()
	dir := filepath.Join(mirror, filepath.FromSlash(terraformcli.ProviderSource()), version, runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(dir, "terraform-provider-circularo_v"+version), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		_ = dst.Close()
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// installed fails t unless `terraform init` in dir installed the provider at version: the plans that
// follow must run the build they are meant to.
func installed(t *testing.T, dir, version string) {
	t.Helper()
	lock, err := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(lock), fmt.Sprintf("version     = %q", version)) {
		t.Fatalf("the lock file does not select version %s:\n%s", version, lock)
	}
}

// keyIdentity is a resource's id and identity in the state.
type keyIdentity struct{ id, fingerprint string }

// stateIdentities reads each resource's id and identity (fingerprint) from `terraform show -json`,
// failing t when one of the resources is missing from the state.
func stateIdentities(ctx context.Context, t *testing.T, wd *terraformcli.Workdir, names []string) map[string]keyIdentity {
	t.Helper()
	cmd := wd.Command(ctx, "show", "-json", "-no-color")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("show -json: %v", err)
	}
	var state tfjson.State
	if err := json.Unmarshal(out, &state); err != nil {
		t.Fatalf("show -json: %v", err)
	}
	got := map[string]keyIdentity{}
	if state.Values != nil && state.Values.RootModule != nil {
		for _, r := range state.Values.RootModule.Resources {
			id, _ := r.AttributeValues["id"].(string)
			fingerprint, _ := r.IdentityValues["fingerprint"].(string)
			got[r.Address] = keyIdentity{id: id, fingerprint: fingerprint}
		}
	}
	for _, name := range names {
		if _, ok := got["circularo_api_key."+name]; !ok {
			t.Fatalf("circularo_api_key.%s is not in the state", name)
		}
	}
	return got
}
