package terraformcli

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
)

// The products that Version.Product names, as their `version` command prints them.
const (
	Terraform = "Terraform"
	OpenTofu  = "OpenTofu"
)

// Version is a CLI's product and release, as `terraform version` (or `tofu version`) prints them.
// It is the one place in Go that tells Terraform from OpenTofu (scripts/lib.sh is the shell's).
type Version struct {
	Product             string // Terraform or OpenTofu
	Major, Minor, Patch int
}

// IsOpenTofu reports whether v is an OpenTofu release, whose provider addresses are on
// registry.opentofu.org and whose features come with other versions than Terraform's.
func (v Version) IsOpenTofu() bool {
	return v.Product == OpenTofu
}

// TerraformAtLeast reports whether v is Terraform major.minor.0 or later; OpenTofu never is.
func (v Version) TerraformAtLeast(major, minor int) bool {
	return v.Product == Terraform && v.AtLeast(major, minor)
}

func (v Version) String() string {
	return fmt.Sprintf("%s v%d.%d.%d", v.Product, v.Major, v.Minor, v.Patch)
}

// AtLeast reports whether v is major.minor.0 or later.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || v.Major == major && v.Minor >= minor
}

var versionLine = regexp.MustCompile(`(?m)^(Terraform|OpenTofu) v(\d+)\.(\d+)\.(\d+)`)

// cliVersion runs `bin version` and parses its first version line, such as "Terraform v1.15.0".
func cliVersion(ctx context.Context, bin string) (Version, error) {
	cmd := exec.CommandContext(ctx, bin, "version")
	cmd.Env = append(cmd.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return Version{}, fmt.Errorf("%s version: %w", bin, err)
	}
	v, ok := parseVersion(out)
	if !ok {
		return Version{}, fmt.Errorf("%s version printed no Terraform or OpenTofu version: %q", bin, out)
	}
	return v, nil
}

// parseVersion finds the first "Terraform vX.Y.Z" or "OpenTofu vX.Y.Z" line in out.
func parseVersion(out []byte) (Version, bool) {
	m := versionLine.FindSubmatch(out)
	if m == nil {
		return Version{}, false
	}
	v := Version{Product: string(m[1])}
	v.Major, _ = strconv.Atoi(string(m[2])) // the pattern admits only digits
	v.Minor, _ = strconv.Atoi(string(m[3]))
	v.Patch, _ = strconv.Atoi(string(m[4]))
	return v, true
}

// InUse returns the CLI that tests and the benchmark run (Binary) and its version.
func InUse(ctx context.Context) (string, Version, error) {
	bin, err := Binary()
	if err != nil {
		return "", Version{}, err
	}
	v, err := cliVersion(ctx, bin)
	if err != nil {
		return "", Version{}, err
	}
	return bin, v, nil
}

// Invoke runs `plan` or `apply` with -invoke=address (such as action.circularo_revoke_api_keys.stale):
// a plan that reviews the action, or an apply that invokes it (without asking for approval). extra
// arguments follow, such as -var. The output is plain text (-no-color), for tests to search.
func (w *Workdir) Invoke(ctx context.Context, command, address string, extra ...string) (string, error) {
	args := []string{command, "-invoke=" + address, "-input=false", "-no-color"}
	switch command {
	case "plan":
	case "apply":
		args = append(args, "-auto-approve")
	default:
		return "", fmt.Errorf("terraformcli: -invoke works with plan and apply, not %q", command)
	}
	return w.Run(ctx, append(args, extra...)...)
}
