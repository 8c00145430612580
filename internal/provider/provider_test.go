package provider

import (
	"fmt"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
)

// The user every test logs in as, unless it says otherwise.
const (
	testUser     = "alice"
	testPassword = "alice-password-1"
)

// testEnv is one mock Circularo server and the provider configured against it.
type testEnv struct {
	mock *mockserver.Server
	url  string
	now  func() time.Time
}

// newTestEnv starts a mock server with the test user (plus any given users) and stops it when the
// test ends. It also clears CIRCULARO_* variables so that a developer's environment cannot leak in.
func newTestEnv(t *testing.T, users ...mockserver.User) *testEnv {
	t.Helper()
	clearCircularoEnv(t)
	mock := mockserver.New(mockserver.Options{})
	mock.AddUser(mockserver.User{Name: testUser, Password: testPassword})
	for _, u := range users {
		mock.AddUser(u)
	}
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	return &testEnv{mock: mock, url: srv.URL, now: time.Now}
}

func clearCircularoEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "CIRCULARO_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
}

// factories serves the provider in-process to the terraform CLI that the test framework runs.
func (e *testEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"circularo": serverFactory(options{now: e.now}),
	}
}

// serverFactory serves a provider built with opts through the same server as Serve.
func serverFactory(opts options) func() (tfprotov6.ProviderServer, error) {
	server := newServer(newWithOptions("test", opts)())
	return func() (tfprotov6.ProviderServer, error) { return server(), nil }
}

// providerBlock configures the provider for the mock with the test user, plus extra attributes.
func (e *testEnv) providerBlock(extra ...string) string {
	return fmt.Sprintf(`
provider "circularo" {
  url      = %q
  username = %q
  password = %q
  %s
}
`, e.url, testUser, testPassword, strings.Join(extra, "\n  "))
}

// tokenProviderBlock configures the provider for the mock with an existing token only.
func (e *testEnv) tokenProviderBlock(token string) string {
	return fmt.Sprintf(`
provider "circularo" {
  url   = %q
  token = %q
}
`, e.url, token)
}

// keyValue returns the token value that a resource holds in the state.
func keyValue(s *terraform.State, address string) (string, error) {
	rs, ok := s.RootModule().Resources[address]
	if !ok {
		return "", fmt.Errorf("%s is not in the state", address)
	}
	return rs.Primary.Attributes["token"], nil
}

// checkNoKeysLeft is a CheckDestroy: after destroy, the test user has no keys on the server.
func (e *testEnv) checkNoKeysLeft(s *terraform.State) error {
	if keys := e.mock.Keys(testUser); len(keys) != 0 {
		return fmt.Errorf("%d keys are left on the server after destroy", len(keys))
	}
	if e.mock.Count("delete_key") == 0 {
		return fmt.Errorf("destroy made no DELETE /api/key call")
	}
	return nil
}

var fingerprintPattern = regexp.MustCompile(`^sha256:[0-9a-f]{16}$`)

// unitTest runs a test case with the mock's provider. resource.UnitTest runs without TF_ACC: the
// terraform CLI is real, the Circularo API is the mock.
func (e *testEnv) unitTest(t *testing.T, tc resource.TestCase) {
	t.Helper()
	tc.ProtoV6ProviderFactories = e.factories()
	resource.UnitTest(t, tc)
}

// mockKey is a key created age ago, last used at lastUsed (nil: never).
func mockKey(description string, age time.Duration, lastUsed *time.Time) mockserver.Key {
	return mockserver.Key{
		Description: description,
		Created:     time.Now().Add(-age).UTC().Truncate(time.Second),
		LastUsed:    lastUsed,
	}
}
