package mockserver

import (
	"testing"
	"time"
)

// RejectReusedTOTP: a code of a time step already accepted for the user is refused, as RFC 6238
// section 5.2 asks; a code of a later step is accepted. Without the switch, the same code unlocks
// any number of sessions.
func TestMFA_rejectReusedTOTP(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		f := setup(t, Options{RejectReusedTOTP: strict})
		now := f.clock.Now()
		expectStatus(t, f.unlock(f.login("mfa", "mfa-pw"), now), 200, "")

		second := f.login("mfa", "mfa-pw")
		again := f.unlock(second, now)
		// The previous step is within the skew, but it is before the accepted one: refused as well.
		earlier := f.unlock(second, now.Add(-30*time.Second))
		if !strict {
			expectStatus(t, again, 200, "")
			expectStatus(t, earlier, 200, "")
			if n := f.srv.Count("unlock_reused"); n != 0 {
				t.Errorf("a lenient mock counted %d reused codes", n)
			}
			continue
		}
		expectStatus(t, again, 401, "login.factorReused")
		if msg := again.str("message"); msg != "Verification code has already been used" {
			t.Errorf("the refusal says %q", msg)
		}
		expectStatus(t, earlier, 401, "login.factorReused")
		expectStatus(t, f.call("GET", "/api/key", second, nil), 403, "token.locked")
		if n := f.srv.Count("unlock_reused"); n != 2 {
			t.Errorf("counted %d reused codes, want 2", n)
		}

		// The next step's code unlocks; it is then used in its turn. A wrong code stays a wrong code.
		f.clock.Advance(30 * time.Second)
		expectStatus(t, f.unlock(second, f.clock.Now()), 200, "")
		expectStatus(t, f.unlock(f.login("mfa", "mfa-pw"), f.clock.Now()), 401, "login.factorReused")
		wrong := f.call("POST", "/login/unlock", f.login("mfa", "mfa-pw"),
			map[string]any{"factors": []any{map[string]any{"factor": "totp", "password": "12345"}}})
		expectStatus(t, wrong, 401, "login.invalidFactor")
	}
}
