package terraformcli

import "testing"

// TestParseVersion: the product and release come from the first version line, also when OpenTofu
// warns on stdout before it (a TF_CLI_CONFIG_FILE naming a missing file), and the product decides
// IsOpenTofu and TerraformAtLeast, whatever the numbers.
func TestParseVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		out          string
		want         Version
		ok, tofu     bool
		terraform114 bool
	}{
		{"Terraform v1.16.4\non linux_amd64\n", Version{Terraform, 1, 16, 4}, true, false, true},
		{"Terraform v1.11.4\non linux_amd64\n", Version{Terraform, 1, 11, 4}, true, false, false},
		{"Terraform v1.14.0\n", Version{Terraform, 1, 14, 0}, true, false, true},
		{"Warning: Unable to open CLI configuration file\n\nOpenTofu v1.12.6\non linux_amd64\n", Version{OpenTofu, 1, 12, 6}, true, true, false},
		{"OpenTofu v2.0.0\n", Version{OpenTofu, 2, 0, 0}, true, true, false},
		{"something else v1.16.4\n", Version{}, false, false, false},
	} {
		got, ok := parseVersion([]byte(tc.out))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseVersion(%q) = %+v, %v; want %+v, %v", tc.out, got, ok, tc.want, tc.ok)
			continue
		}
		if got.IsOpenTofu() != tc.tofu {
			t.Errorf("%s: IsOpenTofu() = %v, want %v", got, got.IsOpenTofu(), tc.tofu)
		}
		if got.TerraformAtLeast(1, 14) != tc.terraform114 {
			t.Errorf("%s: TerraformAtLeast(1, 14) = %v, want %v", got, got.TerraformAtLeast(1, 14), tc.terraform114)
		}
	}
}
