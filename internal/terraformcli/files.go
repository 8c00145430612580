package terraformcli

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes a file beside main.tf, such as a .tfquery.hcl for `terraform query`, and
// returns its path. name must be a plain file name: the working directory is the module.
func (w *Workdir) WriteFile(name, content string) (string, error) {
	if name != filepath.Base(name) || name == "." || name == ".." {
		return "", fmt.Errorf("terraformcli: %q is not a file name in the working directory", name)
	}
	p := filepath.Join(w.Dir, name)
	return p, os.WriteFile(p, []byte(content), 0o600)
}

// ReadFile reads a file of the working directory, such as one that -generate-config-out wrote.
func (w *Workdir) ReadFile(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(w.Dir, name))
	return string(b), err
}
