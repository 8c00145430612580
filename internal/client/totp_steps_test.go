package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// The tests of TOTP time steps run the mock and the Sessions on one fake clock, which a wait for a
// step moves instead of sleeping.

// mfaClock is a fake clock at the start of a time step, with the WaitUntil that moves it.
type mfaClock struct {
	*clock.Clock
	mu sync.Mutex // makes "move to t unless past it" one step when Sessions wait at once
}

func newMFAClock() *mfaClock { return &mfaClock{Clock: clock.New()} }

// orderedWaits moves a fake clock for sessions that log in side by side as real time would: it moves
// the clock only when every session is waiting (or done), and then only to the earliest time any of
// them waits for, so that a session that waits for a later step sends its code after one that waits
// for an earlier step. (A clock that jumps for whoever asks first lets a later step's code be accepted
// before an earlier one is sent, which a server that refuses reused steps then refuses, and which real
// time, where the later session sleeps for the whole step, does not do.)
type orderedWaits struct {
	clock   *clock.Clock
	mu      sync.Mutex
	cond    *sync.Cond
	running int         // sessions neither waiting nor done
	waiting []time.Time // what the waiting sessions wait for
}

// newOrderedWaits is for sessions sessions that start running at once.
func newOrderedWaits(c *clock.Clock, sessions int) *orderedWaits {
	o := &orderedWaits{clock: c, running: sessions}
	o.cond = sync.NewCond(&o.mu)
	return o
}

func (o *orderedWaits) waitUntil(ctx context.Context, t time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.running--
	o.waiting = append(o.waiting, t)
	o.cond.Broadcast()
	for o.clock.Now().Before(t) && (o.running > 0 || !t.Equal(slices.MinFunc(o.waiting, time.Time.Compare))) {
		o.cond.Wait()
	}
	if d := t.Sub(o.clock.Now()); d > 0 {
		o.clock.Advance(d)
	}
	o.waiting = slices.Delete(o.waiting, slices.Index(o.waiting, t), slices.Index(o.waiting, t)+1)
	o.running++
	return ctx.Err()
}

// done says that a session has finished.
func (o *orderedWaits) done() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.running--
	o.cond.Broadcast()
}

func (c *mfaClock) waitUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := t.Sub(c.Now()); d > 0 {
		c.Advance(d)
	}
	return ctx.Err()
}

// step is the clock's TOTP time step.
func (c *mfaClock) step() int64 { return c.Now().Unix() / 30 }

// mfaSetup starts a mock with opts on c, and returns it and a maker of Sessions of the MFA account
// whose unlocks share the step record in dir ("" for none) and log their waits to log.
func mfaSetup(t *testing.T, c *mfaClock, opts mockserver.Options, wrappers ...func(http.Handler) http.Handler) (
	*mockserver.Server, func(dir string, log *recordingLogger) *client.Session,
) {
	t.Helper()
	opts.Now = c.Now
	mock, url := setup(t, opts, wrappers...)
	return mock, func(dir string, log *recordingLogger) *client.Session {
		s := client.NewSession(newAPIClient(t, url, func(cfg *client.Config) { cfg.Logger = log }), mfaCredentials(), c.Now)
		s.SetTOTPOptions(client.TOTPOptions{StepDir: dir, WaitUntil: c.waitUntil, Notice: log.Debug})
		return s
	}
}

func mfaCredentials() client.Credentials {
	return client.Credentials{Username: clientMFAUser, Password: clientMFAPassword, TOTPSecret: clientMFASecret}
}

func wantUnlocked(t *testing.T, s *client.Session) {
	t.Helper()
	if _, err := s.WhoAmI(context.Background()); err != nil {
		t.Fatalf("the MFA login failed: %v", err)
	}
}

func wantWaitLogged(t *testing.T, log *recordingLogger, reason string) {
	t.Helper()
	for _, e := range log.all() {
		if strings.Contains(e, "Waiting for the next TOTP time step") && strings.Contains(e, reason) {
			return
		}
	}
	t.Errorf("no wait for a time step logged with reason %q; the log: %q", reason, log.all())
}

func TestSession_TOTPCodeRefusedAsReusedIsFollowedByTheNextStep(t *testing.T) {
	t.Parallel()
	c := newMFAClock()
	mock, newMFASession := mfaSetup(t, c, mockserver.Options{RejectReusedTOTP: true})
	start := c.step()

	wantUnlocked(t, newMFASession("", &recordingLogger{}))
	// A second process (no shared record) logs in within the same step: its code is refused.
	var log recordingLogger
	wantUnlocked(t, newMFASession("", &log))

	wantRouteCount(t, mock, "unlock", 3)
	wantRouteCount(t, mock, "unlock_reused", 1)
	wantWaitLogged(t, &log, "as already used")
	if got := c.step(); got != start+1 {
		t.Errorf("the clock is %d steps on, want 1: the login waited for exactly the next step", got-start)
	}
}

func TestSession_TOTPCodesOfTwoFreshStepsRefusedAreAWrongCode(t *testing.T) {
	t.Parallel()
	c := newMFAClock()
	_, url := setup(t, mockserver.Options{Now: c.Now})
	creds := mfaCredentials()
	creds.TOTPSecret = "GEZDGNBVGY3TQOJQ"
	s := client.NewSession(newAPIClient(t, url), creds, c.Now)
	s.SetTOTPOptions(client.TOTPOptions{WaitUntil: c.waitUntil})

	_, err := s.WhoAmI(context.Background())
	var unlockErr *client.UnlockError
	if !errors.Is(err, client.ErrTOTPCodeRejected) || !errors.Is(err, client.ErrUnlockFailed) || !errors.As(err, &unlockErr) {
		t.Fatalf("a wrong secret: %v, want an UnlockError of ErrTOTPCodeRejected", err)
	}
	if unlockErr.Codes != 2 || unlockErr.Waited != 30*time.Second {
		t.Errorf("%d codes tried and %s waited, want 2 codes and 30s: a wrong code costs one step, no more", unlockErr.Codes, unlockErr.Waited)
	}
	if !strings.Contains(err.Error(), "Invalid verification code") || strings.Contains(err.Error(), creds.TOTPSecret) {
		t.Errorf("the error does not give the server's answer, or shows the secret: %v", err)
	}
}

func TestSession_TOTPRefusalOfTheAccountStopsAtOnce(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusForbidden, http.StatusLocked} {
		c := newMFAClock()
		refuseUnlock := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/login/unlock") {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(status)
					_, _ = w.Write([]byte(`{"code":"account.locked","message":"Account locked after too many failed attempts"}`))
					return
				}
				next.ServeHTTP(w, r)
			})
		}
		_, newMFASession := mfaSetup(t, c, mockserver.Options{}, refuseUnlock)
		_, err := newMFASession("", &recordingLogger{}).WhoAmI(context.Background())
		var unlockErr *client.UnlockError
		if !errors.Is(err, client.ErrAccountLocked) || !errors.As(err, &unlockErr) || unlockErr.Codes != 1 || unlockErr.Waited != 0 {
			t.Errorf("HTTP %d on unlock: %v (%+v), want ErrAccountLocked after one code and no wait", status, err, unlockErr)
		}
		if errors.Is(err, client.ErrTOTPCodeRejected) || errors.Is(err, client.ErrTOTPCodeReused) {
			t.Errorf("HTTP %d on unlock is reported as a refused code: %v", status, err)
		}
	}
}

func TestSession_TOTPStepRecordSpreadsProcessesOverDistinctSteps(t *testing.T) {
	t.Parallel()
	c := newMFAClock()
	mock, newMFASession := mfaSetup(t, c, mockserver.Options{RejectReusedTOTP: true})
	dir := t.TempDir()
	start := c.step()

	// The first two logins of the account in one step teach the record that the server refuses
	// reused codes (one refused code); from then on, each login waits for a step of its own.
	wantUnlocked(t, newMFASession(dir, &recordingLogger{}))
	wantUnlocked(t, newMFASession(dir, &recordingLogger{}))
	var logs [3]recordingLogger
	waits := newOrderedWaits(c.Clock, len(logs))
	var wg sync.WaitGroup
	for i := range logs {
		wg.Go(func() {
			defer waits.done()
			s := newMFASession(dir, &logs[i])
			s.SetTOTPOptions(client.TOTPOptions{StepDir: dir, WaitUntil: waits.waitUntil, Notice: logs[i].Debug})
			wantUnlocked(t, s)
		})
	}
	wg.Wait()

	wantRouteCount(t, mock, "unlock_reused", 1)
	wantRouteCount(t, mock, "unlock", 6)
	if got := c.step() - start; got != 4 {
		t.Errorf("5 logins ended %d steps after the first, want 4 (one step each)", got)
	}
	for i := range logs {
		wantWaitLogged(t, &logs[i], "another login of this account on this machine used the current time step")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if text := e.Name() + string(raw); strings.Contains(text, clientMFASecret) || strings.Contains(text, clientMFAUser) ||
			strings.Contains(text, clientMFAPassword) {
			t.Errorf("the step record %s names the account or holds a secret: %s", e.Name(), raw)
		}
	}
}

func TestSession_TOTPStepRecordCostsNothingOnALenientServer(t *testing.T) {
	t.Parallel()
	c := newMFAClock()
	mock, newMFASession := mfaSetup(t, c, mockserver.Options{})
	dir := t.TempDir()
	for range 3 {
		wantUnlocked(t, newMFASession(dir, &recordingLogger{}))
	}
	wantRouteCount(t, mock, "unlock", 3)
	if !c.Now().Equal(clock.Start()) {
		t.Errorf("the logins waited %s on a server that accepts a code twice", c.Now().Sub(clock.Start()))
	}
}

// A server that refuses a reused code as "invalid": a refused code followed by an accepted code of the
// next step shows that the first was reused, and the record learns it.
func TestSession_TOTPStrictnessIsLearnedFromAnAcceptedNextStep(t *testing.T) {
	t.Parallel()
	c := newMFAClock()
	var once sync.Once
	refuseFirst := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			refused := false
			if strings.HasSuffix(r.URL.Path, "/login/unlock") {
				once.Do(func() {
					refused = true
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusUnauthorized)
					_, _ = w.Write([]byte(`{"code":"login.invalidFactor","message":"Invalid verification code"}`))
				})
			}
			if !refused {
				next.ServeHTTP(w, r)
			}
		})
	}
	mock, newMFASession := mfaSetup(t, c, mockserver.Options{}, refuseFirst)
	dir := t.TempDir()
	var log recordingLogger
	wantUnlocked(t, newMFASession(dir, &log))
	wantWaitLogged(t, &log, "which no login of this machine had used")
	// The next login in the same step waits instead of sending a code that would be refused.
	wantUnlocked(t, newMFASession(dir, &recordingLogger{}))
	wantRouteCount(t, mock, "unlock", 2)
	if got := c.step() - clock.Start().Unix()/30; got != 2 {
		t.Errorf("the clock is %d steps on, want 2", got)
	}
}

func TestSession_TOTPStepRecordThatCannotBeUsedIsSkipped(t *testing.T) {
	t.Parallel()
	c := newMFAClock()
	mock, newMFASession := mfaSetup(t, c, mockserver.Options{RejectReusedTOTP: true})
	// A file where the directory should be: the record can be neither created nor read.
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var log recordingLogger
	s := newMFASession(notADir, &log)
	wantUnlocked(t, s)
	// Within the process, the Session still knows its own steps: its second session in the same step
	// has its code refused once, and the third waits for a step of its own instead.
	for range 2 {
		token, err := s.OpenSession(context.Background())
		if err != nil {
			t.Fatalf("another session of the same process: %v", err)
		}
		if err := s.CloseSession(context.Background(), token); err != nil {
			t.Fatal(err)
		}
	}
	wantRouteCount(t, mock, "unlock", 4)
	wantRouteCount(t, mock, "unlock_reused", 1)
	if !slices.ContainsFunc(log.all(), func(e string) bool { return strings.Contains(e, "cannot be used") }) {
		t.Errorf("the unusable record is not in the debug log: %q", log.all())
	}
}

// The wait is bounded: a login never waits past the 4th time step after the one it began in, even
// when the record says that other logins of this machine hold every step up to there.
func TestSession_TOTPWaitIsBounded(t *testing.T) {
	t.Parallel()
	c := newMFAClock()
	mock, url := setup(t, mockserver.Options{Now: c.Now, RejectReusedTOTP: true})
	dir := t.TempDir()
	record := fmt.Sprintf(`{"last_step": %d, "refuses_reused_codes": true}`, c.step()+4)
	name := client.StepRecordName(url+"/api/v1", "", clientMFAUser)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(record), 0o600); err != nil {
		t.Fatal(err)
	}
	s := client.NewSession(newAPIClient(t, url), mfaCredentials(), c.Now)
	s.SetTOTPOptions(client.TOTPOptions{StepDir: dir, WaitUntil: c.waitUntil})

	_, err := s.WhoAmI(context.Background())
	if !errors.Is(err, client.ErrTOTPCodeReused) || !strings.Contains(err.Error(), "hold the time steps") {
		t.Fatalf("a login behind 4 claimed steps: %v, want ErrTOTPCodeReused naming the held steps", err)
	}
	if !c.Now().Equal(clock.Start()) {
		t.Errorf("the login waited %s before giving up, want no wait", c.Now().Sub(clock.Start()))
	}
	wantRouteCount(t, mock, "unlock", 0)
}

// The real wait (no WaitUntil given) honours the context: a wait that would outlast its deadline
// fails at once instead of sleeping into it.
func TestSession_TOTPWaitHonoursTheDeadline(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{RejectReusedTOTP: true})
	wantUnlocked(t, newSession(t, url, mfaCredentials()))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	began := time.Now()
	_, err := newSession(t, url, mfaCredentials()).WhoAmI(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, client.ErrUnlockFailed) {
		t.Fatalf("a wait past the deadline: %v, want ErrUnlockFailed and DeadlineExceeded", err)
	}
	if waited := time.Since(began); waited > time.Second {
		t.Errorf("the login gave up after %s, want at once", waited)
	}
	wantRouteCount(t, mock, "unlock_reused", 1)
}
