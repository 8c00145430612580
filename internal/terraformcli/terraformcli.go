// Package terraformcli runs the real terraform (or tofu) CLI against a locally built provider with
// dev_overrides. Tests that must see the provider as its own process (logout at exit, secrets in CLI
// output) and the benchmark use it; the in-process acceptance tests use terraform-plugin-testing.
package terraformcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Binary returns the CLI to run: TF_ACC_TERRAFORM_PATH as terraform-plugin-testing uses it, else
// terraform on PATH. It is an error to have neither: tests must not pass without a CLI.
func Binary() (string, error) {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p, nil
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		return "", errors.New("no terraform CLI: put terraform on PATH or set TF_ACC_TERRAFORM_PATH (make test does this)")
	}
	return p, nil
}

// ProviderSource is the provider's address for the CLI in use (OpenTofu's registry differs).
func ProviderSource() string {
	host := os.Getenv("TF_ACC_PROVIDER_HOST")
	if host == "" {
		host = "registry.terraform.io"
	}
	return host + "/circularo/circularo"
}

// ModuleRoot finds the directory of the provider's go.mod, from the working directory up.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/circularo/terraform-provider-circularo\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the provider's go.mod above the working directory")
		}
		dir = parent
	}
}

// BuildProvider builds the provider binary into dir and returns its path.
func BuildProvider(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "terraform-provider-circularo")
	if err := Build(ctx, ".", out); err != nil {
		return "", err
	}
	return out, nil
}

// Build builds the module's package pkg, a path relative to the module root such as "." (the
// provider) or "./internal/benchmark/cmd/profiled-provider", into the binary out.
func Build(ctx context.Context, pkg, out string) error {
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// Workdir is a Terraform working directory whose CLI config points the provider at a local build.
type Workdir struct {
	Dir       string
	Binary    string
	CLIConfig string
	Env       []string // extra environment, such as CIRCULARO_* or TF_LOG
}

// NewWorkdir writes a CLI config with dev_overrides for providerDir into dir. providerDir holds a
// binary named terraform-provider-circularo (or a wrapper of that name, as the benchmark uses).
func NewWorkdir(dir, providerDir string) (*Workdir, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "cli.tfrc")
	content := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", ProviderSource(), providerDir)
	if err := os.WriteFile(cfg, []byte(content), 0o600); err != nil {
		return nil, err
	}
	return &Workdir{Dir: dir, Binary: bin, CLIConfig: cfg}, nil
}

// WriteConfig writes main.tf.
func (w *Workdir) WriteConfig(hcl string) error {
	return os.WriteFile(filepath.Join(w.Dir, "main.tf"), []byte(hcl), 0o600)
}

// Command is the CLI with args, to run in the working directory with its CLI config and Env. Run
// runs it; callers that need the process itself (the benchmark reads its CPU time) run it themselves.
func (w *Workdir) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, w.Binary, args...)
	cmd.Dir = w.Dir
	cmd.Env = append(os.Environ(),
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"TF_CLI_CONFIG_FILE="+w.CLIConfig,
	)
	cmd.Env = append(cmd.Env, w.Env...)
	return cmd
}

// Run runs the CLI with args and returns its combined output.
func (w *Workdir) Run(ctx context.Context, args ...string) (string, error) {
	cmd := w.Command(ctx, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %v\n%s", filepath.Base(w.Binary), strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}
