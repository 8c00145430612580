package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// TestHint_everyErrorShape: the advice for a failed login depends on the kind of failure, never on
// the shape in which the server words it.
func TestHint_everyErrorShape(t *testing.T) {
	t.Parallel()
	for _, shape := range mockserver.ErrorShapes() {
		t.Run(string(shape), func(t *testing.T) {
			_, c := shapedMock(t, shape)
			for _, tt := range []struct {
				name       string
				creds      client.Credentials
				message    string
				hintPhrase string
			}{
				{"unknown tenant", client.Credentials{Username: testkit.User, Password: testkit.Password, Tenant: "globex"},
					"HTTP 401 Unauthorized: Unknown tenant", "check tenant (or CIRCULARO_TENANT)"},
				{"bad password", client.Credentials{Username: testkit.User, Password: "not-alice-password-9"},
					"HTTP 401 Unauthorized: Invalid name or password", "check username and password"},
			} {
				_, err := client.NewSession(c, tt.creds, nil).ListKeys(context.Background())
				if err == nil {
					t.Fatalf("%s: the login worked", tt.name)
				}
				message := tt.message
				if shape == mockserver.ErrorShapeJSONAPI { // the title, then the detail
					message = strings.Replace(message, ": ", ": Unauthorized: ", 1)
				}
				if !strings.Contains(err.Error(), message) || strings.Contains(err.Error(), "body:") {
					t.Errorf("%s: error %q does not show %q as text", tt.name, err, message)
				}
				if got := hint(nil, err); !strings.Contains(got, tt.hintPhrase) {
					t.Errorf("%s: hint %q lacks %q", tt.name, got, tt.hintPhrase)
				}
			}
		})
	}
}

// TestHint_everyErrorKind: each kind of failure that the client names gets its own advice, whatever
// shape the server words it in, and the advice for a 500 (which is not retried) never says that
// the provider retried.
func TestHint_everyErrorKind(t *testing.T) {
	t.Parallel()
	fail := func(route string, status int) mockserver.Faults {
		return mockserver.Faults{FailNext: map[string][]int{route: {status}}}
	}
	const retried, notRetried = "retried up to max_retries times", "The provider does not retry such errors"
	for _, shape := range mockserver.ErrorShapes() {
		t.Run(string(shape), func(t *testing.T) {
			env, c := shapedMock(t, shape)
			for _, tt := range []struct {
				name       string
				faults     mockserver.Faults
				hintPhrase string
				notInHint  string
			}{
				{"login forbidden", fail("login", 403), "it may be locked or disabled", ""},
				{"login endpoint missing", fail("login", 404), "The login endpoint was not found", ""},
				{"list forbidden", fail("list_keys", 403), "check that the user may manage API keys", ""},
				{"throttled", fail("list_keys", 429), "kept throttling the provider", ""},
				{"bad gateway", fail("list_keys", 502), retried, notRetried},
				{"unavailable", fail("list_keys", 503), retried, notRetried},
				{"gateway timeout", fail("list_keys", 504), retried, notRetried},
				{"internal server error", fail("list_keys", 500), notRetried, "retried"},
				{"not implemented", fail("list_keys", 501), notRetried, "retried"},
				{"a web page", mockserver.Faults{Override: map[string]mockserver.Response{
					"list_keys": {ContentType: "text/html", Body: "<html>Sign in</html>"},
				}}, "The answer is not what the Circularo API returns", ""},
			} {
				env.Mock.SetFaults(tt.faults)
				session := client.NewSession(c, client.Credentials{Username: testkit.User, Password: testkit.Password}, nil)
				_, err := session.ListKeys(context.Background())
				env.Mock.SetFaults(mockserver.Faults{})
				_ = session.Close(context.Background())
				if err == nil {
					t.Fatalf("%s: the call worked", tt.name)
				}
				got := hint(nil, err)
				if !strings.Contains(got, tt.hintPhrase) {
					t.Errorf("%s: hint %q lacks %q (error: %v)", tt.name, got, tt.hintPhrase, err)
				}
				if tt.notInHint != "" && strings.Contains(got, tt.notInHint) {
					t.Errorf("%s: hint %q says %q", tt.name, got, tt.notInHint)
				}
			}
		})
	}
}

// A server that refuses the documented token-less DELETE still gets its keys revoked by
// terraform apply, and an apply that revokes N keys in parallel pays N+1 DELETEs, not 2N: the
// provider's resources share what the first refusal taught.
func TestAPIKeyResource_revokesWhereDeleteNeedsASession(t *testing.T) {
	t.Parallel()
	const n = 4
	env := newEnv(t, testkit.WithMockOptions(mockserver.Options{DeleteRequiresToken: true}))
	config := func(count int) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "test" {
  count       = %d
  description = "pipeline-${count.index}"
}
`, count)
	}
	destroys := make([]plancheck.PlanCheck, n)
	for i := range destroys {
		destroys[i] = plancheck.ExpectResourceAction(fmt.Sprintf("circularo_api_key.test[%d]", i), plancheck.ResourceActionDestroy)
	}
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: config(n)},
			{
				PreConfig:        env.Mock.ResetCounts,
				Config:           config(0),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: destroys},
				ConfigStateChecks: []statecheck.StateCheck{
					// delete_key counts every DELETE, those without token included.
					testkit.ExpectSomeAPICalls(env.Mock, map[string]int{"delete_key": n + 1, "delete_key_without_token": 1}),
				},
			},
		},
		CheckDestroy: env.checkNoKeysLeft,
	})
}

// shapedMock is a mock that words its errors in shape, and a client for it that does not retry.
func shapedMock(t *testing.T, shape mockserver.ErrorShape) (*testEnv, *client.Client) {
	t.Helper()
	env := newEnv(t, testkit.WithMockOptions(mockserver.Options{ErrorShape: shape}))
	c := client.New(client.Config{BaseURL: mustParseBaseURL(t, env.URL), MaxRetries: -1})
	return env, c
}
