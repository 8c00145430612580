package provider

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// The tests of MFA against a server that refuses a reused TOTP code (RFC 6238 section 5.2). The
// provider runs in-process on the test's fake clock, which a wait for a time step moves instead of
// sleeping; the measurement with real processes and the real clock is scripts/mfa-timing.sh.

// secondProvider is the local name under which the tests serve the provider a second time: Terraform
// runs one provider process per provider configuration, but the test framework serves every
// configuration of one provider name (an alias too) from one in-process server, whose Configure calls
// would then share one framework server (and race on it). Under a name of its own, the second
// configuration has its own server, and so its own session and logins, as it has its own process in
// real use. Its resources name it with `provider = circularo-second`, as google-beta's do.
const secondProvider = "circularo-second"

// serveMFAProviders serves the provider twice (circularo and secondProvider, each its own server) with
// TOTP step waits that move clock, with the environment's step record (not the user's cache
// directory), and logs out its sessions when the test ends.
func (e *testEnv) serveMFAProviders(t *testing.T, clock *clock.Clock) {
	t.Helper()
	e.provider.waitUntil = newStepWaits(clock).waitUntil
	e.closeSessions(t)
	e.serveAgainAs(secondProvider)
}

// stepWaits moves a fake clock for logins that wait for TOTP steps side by side, in the order real
// time would: only the login that waits for the earliest time moves the clock, and only after a pause
// of real time (stepPause) in which a login released before it sends its code. A clock that jumps for
// whoever asks first lets a later step's code be accepted before an earlier step's code is sent,
// which a server that refuses reused steps then refuses; in real time the later login sleeps through
// the whole step. The provider's processes cannot be counted from here (Terraform starts them), so the
// pause, not a count of logins, keeps the order.
type stepWaits struct {
	clock   *clock.Clock
	mu      sync.Mutex
	cond    *sync.Cond
	waiting []time.Time
}

// stepPause is long against a local unlock call (milliseconds) and short against the test (a few
// steps).
const stepPause = 150 * time.Millisecond

func newStepWaits(c *clock.Clock) *stepWaits {
	w := &stepWaits{clock: c}
	w.cond = sync.NewCond(&w.mu)
	return w
}

func (w *stepWaits) waitUntil(ctx context.Context, t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waiting = append(w.waiting, t)
	defer func() {
		w.waiting = slices.Delete(w.waiting, slices.Index(w.waiting, t), slices.Index(w.waiting, t)+1)
		w.cond.Broadcast()
	}()
	for w.clock.Now().Before(t) && ctx.Err() == nil {
		if !t.Equal(slices.MinFunc(w.waiting, time.Time.Compare)) {
			w.cond.Wait()
			continue
		}
		w.mu.Unlock()
		time.Sleep(stepPause)
		w.mu.Lock()
		if d := t.Sub(w.clock.Now()); d > 0 && t.Equal(slices.MinFunc(w.waiting, time.Time.Compare)) {
			w.clock.Advance(d) // else a login that waits for an earlier time came meanwhile: it goes first
		}
	}
	return ctx.Err()
}

// twoConfigurationsOfOneUser configures the MFA user twice (circularo and secondProvider, each served
// by its own server as two provider configurations are by two processes), each owning a key, as a
// configuration that manages two environments with one user would.
func (e *testEnv) twoConfigurationsOfOneUser() string {
	var b strings.Builder
	for _, name := range []string{"circularo", secondProvider} {
		fmt.Fprintf(&b, `
provider %q {
  url         = %q
  username    = %q
  password    = %q
  totp_secret = %q
}
`, name, e.URL, mfaTestUser, mfaTestPassword, mfaTestSecret)
	}
	b.WriteString(`
resource "circularo_api_key" "first" {
  description = "first configuration"
}

resource "circularo_api_key" "second" {
  provider    = circularo-second
  description = "second configuration"
}
`)
	return b.String()
}

func TestProvider_mfaTwoConfigurationsOfOneUserAgainstAServerRefusingReusedCodes(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock), testkit.WithUsers(mfaTestAccount()),
		testkit.WithMockOptions(mockserver.Options{RejectReusedTOTP: true}))
	start := clock.Now()

	// The config step runs plan -out, then apply of that saved plan (and the plans after it); the
	// test ends with destroy. Each command's provider logs in and unlocks, within one time step of
	// the fake clock unless a login waits.
	env.serveMFAProviders(t, clock)
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: env.twoConfigurationsOfOneUser(),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("circularo_api_key.first", tfjsonpath.New("description"), knownvalue.StringExact("first configuration")),
				statecheck.ExpectKnownValue("circularo_api_key.second", tfjsonpath.New("description"), knownvalue.StringExact("second configuration")),
			},
		}},
		CheckDestroy: func(*terraform.State) error {
			if keys := env.Mock.Keys(mfaTestUser); len(keys) != 0 {
				return fmt.Errorf("%d keys of the MFA user are left after destroy", len(keys))
			}
			return nil
		},
	})

	unlocks, reused := env.Mock.Count("unlock"), env.Mock.Count("unlock_reused")
	steps := int(clock.Now().Unix()/30 - start.Unix()/30) // time steps that the fake clock went through
	t.Logf("%d logins, %d unlocks (%d codes refused as reused), %d time steps of the fake clock", env.Mock.Count("login"), unlocks, reused, steps)
	// plan -out, the apply of that plan and destroy, each with both configurations' own logins.
	if unlocks < 6 {
		t.Errorf("%d unlocks: the test did not log in once per command and configuration", unlocks)
	}
	// The first refusal teaches the machine's record that the server refuses reused codes; after it,
	// every login waits for a step that no other login took, instead of having its code refused.
	if reused > 1 {
		t.Errorf("%d codes were refused as reused, want at most 1: the step record did not keep the logins apart", reused)
	}
	if unlocked := unlocks - reused; steps < unlocked-1 {
		t.Errorf("%d unlocks succeeded within %d time steps: a server refusing reused codes cannot allow that", unlocked, steps)
	}
}

func TestProvider_mfaAccountLockedSaysSo(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithUsers(mfaTestAccount()), testkit.WithHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/login/unlock") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusLocked)
				_, _ = w.Write([]byte(`{"code":"account.locked","message":"Account locked after too many failed attempts"}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	}))
	expectErrorWithout([]string{mfaTestPassword, mfaTestSecret},
		words("the server refuses to unlock the account"),
		words("Account locked after too many failed attempts"),
		words("Ask your Circularo administrator to unlock the account"),
	).run(t, env, env.mfaConfig(fmt.Sprintf("totp_secret = %q", mfaTestSecret)))
}

// Each kind of failed unlock has a hint of its own that says what to do; only a wrong code blames the
// secret or the clock.
func TestHint_unlockFailures(t *testing.T) {
	t.Parallel()
	for kind, want := range map[error][]string{
		client.ErrTOTPCodeReused:   {"one login per 30 seconds per account", "API token (token or CIRCULARO_TOKEN)"},
		client.ErrTOTPCodeRejected: {"check that totp_secret (or CIRCULARO_TOTP_SECRET)", "clock is correct"},
		client.ErrAccountLocked:    {"Ask your Circularo administrator", "stopped trying"},
	} {
		got := hint(nil, &client.AuthError{Username: mfaTestUser, Err: &client.UnlockError{Kind: kind, Codes: 2}})
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("the hint for %v does not say %q: %s", kind, w, got)
			}
		}
		if blamesSecret := strings.Contains(got, "clock is correct"); blamesSecret != (kind == client.ErrTOTPCodeRejected) {
			t.Errorf("the hint for %v blames the secret or clock: %t, want %t: %s", kind, blamesSecret, kind == client.ErrTOTPCodeRejected, got)
		}
	}
}
