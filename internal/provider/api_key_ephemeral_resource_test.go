package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// The ephemeral circularo_api_key names an unknown fingerprint in its error, and creates nothing.
func TestAPIKeyEphemeralResource_unknownFingerprint(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	const unknown = "sha256:0000000000000000"
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.EphemeralResources),
		Steps: []resource.TestStep{{
			Config: env.ProviderBlock() + fmt.Sprintf(`
ephemeral "circularo_api_key" "missing" {
  fingerprint = %q
}
`, unknown),
			ExpectError: regexp.MustCompile(`(?s)No API key with this fingerprint.*` + wrapped("no API key with the fingerprint "+unknown)),
		}},
	})
	if n := env.Mock.Count("create_key") + env.Mock.Count("delete_key"); n != 0 {
		t.Errorf("the ephemeral resource created or revoked %d keys", n)
	}
}

// A fingerprint that is not one is refused before any API call, and a token pasted in its place is
// never repeated.
func TestFingerprintValidator(t *testing.T) {
	t.Parallel()
	token := strings.Repeat("aB3", 21) + "x"
	validator, ok := fingerprintValidator().(stringCheck)
	if !ok {
		t.Fatalf("fingerprintValidator is a %T, want a stringCheck", fingerprintValidator())
	}
	check := validator.check
	for _, tc := range []struct {
		value, wantErr string
	}{
		{"sha256:0123456789abcdef", ""},
		{"sha256:0123456789ABCDEF", "is not a fingerprint"},
		{"stale-key", `"stale-key" is not a fingerprint`},
		{token, "looks like an API key's token"},
	} {
		err := check(tc.value)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%q: %v", tc.value, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%q: got %v, want an error with %q", tc.value, err, tc.wantErr)
		case err != nil && strings.Contains(err.Error(), token):
			t.Errorf("the error repeats the token: %v", err)
		}
	}
}
