package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// The function returns client.Fingerprint of its argument, and refuses what cannot be a key's value
// without repeating it.
func TestFingerprintFunction_run(t *testing.T) {
	t.Parallel()
	token := strings.Repeat("aB3", 21) + "x" // 64 alphanumerics, as Circularo's token values
	cases := []struct {
		name, value string
		want        string // the fingerprint, or "" for an error
		wantError   string
	}{
		{"a key's value", token, client.Fingerprint(token), ""},
		{"the documented form", "x", "sha256:2d711642b726b044", ""},
		{"empty", "", "", "The value is empty"},
		{"trailing newline, as file() reads it", token + "\n", "", "white space around it"},
		{"leading space", " " + token, "", "white space around it"},
		{"a fingerprint already", client.Fingerprint(token), "", "a fingerprint already"},
		{"a fingerprint in upper case", strings.ToUpper(client.Fingerprint(token)), "", "a fingerprint already"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := function.RunResponse{Result: function.NewResultData(types.StringUnknown())}
			NewFingerprintFunction().Run(context.Background(), function.RunRequest{
				Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(tc.value)}),
			}, &resp)
			if tc.wantError != "" {
				if resp.Error == nil {
					t.Fatalf("want an error containing %q, got the result %s", tc.wantError, resp.Result.Value())
				}
				if !strings.Contains(resp.Error.Text, tc.wantError) {
					t.Errorf("want an error containing %q, got %q", tc.wantError, resp.Error.Text)
				}
				if tc.value != "" && strings.Contains(resp.Error.Text, strings.TrimSpace(tc.value)) {
					t.Errorf("the error repeats the value: %q", resp.Error.Text)
				}
				if resp.Error.FunctionArgument == nil || *resp.Error.FunctionArgument != 0 {
					t.Errorf("the error does not name the argument value: %+v", resp.Error)
				}
				return
			}
			if resp.Error != nil {
				t.Fatalf("unexpected error: %s", resp.Error)
			}
			if got := resp.Result.Value(); !got.Equal(types.StringValue(tc.want)) {
				t.Errorf("fingerprint = %s, want %q", got, tc.want)
			}
		})
	}
}

// Through the real CLI (every CLI of the suite has provider functions: Terraform 1.8, OpenTofu 1.7):
// an output, an import block that adopts a key by its value, and a check block that finds the key by
// its value. The value comes from a sensitive variable, as the guide does it.
func TestFingerprintFunction_inOutputsImportsAndChecks(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	leaked := env.Mock.AddKey(testkit.User, env.Key("leaked", 200*testkit.Day, nil))
	env.Mock.AddKey(testkit.User, env.Key("other", 200*testkit.Day, nil))
	cfg := env.ProviderBlock() + `
variable "leaked_key" {
  type      = string
  sensitive = true
}

output "fingerprint" {
  value = nonsensitive(provider::circularo::fingerprint(var.leaked_key))
}

import {
  to = circularo_api_key.leaked
  id = nonsensitive(provider::circularo::fingerprint(var.leaked_key))
}

resource "circularo_api_key" "leaked" {
  description = "leaked"
  store_token = false
}

data "circularo_api_keys" "all" {}

# A failed check is only a warning: the output below is what the test asserts.
output "leaked_key_listed" {
  value = contains(data.circularo_api_keys.all.fingerprints, nonsensitive(provider::circularo::fingerprint(var.leaked_key)))
}

check "leaked_key_is_listed" {
  assert {
    condition     = contains(data.circularo_api_keys.all.fingerprints, provider::circularo::fingerprint(var.leaked_key))
    error_message = "The leaked key is not listed."
  }
}
`
	fp := client.Fingerprint(leaked.Value)
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.Functions),
		Steps: []resource.TestStep{
			{
				Config:          cfg,
				ConfigVariables: config.Variables{"leaked_key": config.StringVariable(leaked.Value)},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("fingerprint", knownvalue.StringExact(fp)),
					statecheck.ExpectKnownOutputValue("leaked_key_listed", knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("circularo_api_key.leaked", tfjsonpath.New("id"), knownvalue.StringExact(fp)),
					statecheck.ExpectKnownValue("circularo_api_key.leaked", tfjsonpath.New("token"), knownvalue.Null()),
					testkit.Check(func() error {
						if n := env.Mock.Count("create_key"); n != 0 {
							return fmt.Errorf("%d keys created: the import block did not adopt the key by its value", n)
						}
						return nil
					}),
				},
			},
			{
				// A value read from a file with its newline: the function's error, from the CLI.
				Config:          cfg,
				ConfigVariables: config.Variables{"leaked_key": config.StringVariable(leaked.Value + "\n")},
				ExpectError:     regexp.MustCompile(`white space around it`),
			},
		},
	})
}
