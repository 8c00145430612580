package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// TOTP codes change every totpPeriod (RFC 6238's time step X = 30 s). The time step of a code,
// unix time / 30, is the unit here: a server that follows RFC 6238 section 5.2 accepts each step's
// code once per account, so two logins of one account in one step cannot both unlock.
const totpPeriod = 30 * time.Second

// The bounds of one unlock, documented on the provider's page: at most maxTOTPCodes codes, each of a
// distinct time step, and no wait past the start of the step maxTOTPStepsAhead after the one the
// unlock began in (about 2 minutes).
const (
	maxTOTPCodes      = 3
	maxTOTPStepsAhead = 4
)

// stepLockTimeout bounds the wait for the record's file lock, which its holders keep only while they
// read and write a few bytes: a lock held longer belongs to a stuck process, and the unlock goes on
// without the record.
const stepLockTimeout = 5 * time.Second

func totpStep(t time.Time) int64 { return t.Unix() / int64(totpPeriod/time.Second) }

func totpStepStart(step int64) time.Time {
	return time.Unix(step*int64(totpPeriod/time.Second), 0)
}

// TOTPOptions say how a Session's unlocks choose their TOTP time steps. The zero value waits on the
// real clock, keeps no record shared with other processes, and logs waits to the Client's Logger.
type TOTPOptions struct {
	// StepDir is the directory of the per-account step records that the provider processes of this
	// machine share ("" for none: the Session then knows only its own steps). A record that cannot be
	// used (a read-only home) is skipped, never an error.
	StepDir string
	// WaitUntil returns when the Session's clock reaches t, or with ctx's error (nil: a timer). Tests
	// on a fake clock move the clock instead of sleeping.
	WaitUntil func(ctx context.Context, t time.Time) error
	// Notice receives each wait for a time step, with its reason: a pause of up to a minute that
	// the user should be able to find in the log (nil: the Client's Logger, at debug level).
	Notice func(ctx context.Context, msg string, fields map[string]any)
}

// SetTOTPOptions sets how the Session's unlocks choose TOTP time steps. Call it before the Session's
// first use, as the provider's Configure does.
func (s *Session) SetTOTPOptions(o TOTPOptions) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	s.auth.steps = newTOTPSteps(s.auth.client, s.auth.creds, s.auth.now, o)
}

// stepState is what the record holds for one account. It never holds the secret or a code.
type stepState struct {
	// Last is the latest time step whose code a login of this machine sent (or is about to send).
	Last int64 `json:"last_step"`
	// Strict tells that the server refused a code as already used: it follows RFC 6238 section 5.2,
	// so logins wait for a step that no other login of this machine took. Against a server that
	// accepts a code twice, nobody waits: the first refusal teaches it.
	Strict bool `json:"refuses_reused_codes"`
}

// claim picks the step of the next code: the current step, or a later one (earliest, or the one after
// the last taken when the server refuses reused codes). usedHere tells that a login of this machine
// already sent that step's code, which the server may then refuse as reused.
func (st *stepState) claim(current, earliest int64) (step int64, usedHere bool) {
	if st.Last > current+maxTOTPStepsAhead || st.Last < current-maxTOTPStepsAhead {
		st.Last = 0 // from another clock, or long ago: no step of it matters now
	}
	step = max(current, earliest)
	if st.Strict && st.Last >= step {
		step = st.Last + 1
	}
	usedHere = st.Last >= step
	st.Last = max(st.Last, step)
	return step, usedHere
}

func (st *stepState) merge(o stepState) {
	st.Last = max(st.Last, o.Last)
	st.Strict = st.Strict || o.Strict
}

// totpSteps chooses the time step of each code of a Session's unlocks. mem is this process's own
// record, guarded by the authenticator's mu (unlocks run with it held); file is the record shared
// with the other processes of the machine, nil when there is none or it failed once.
type totpSteps struct {
	now       func() time.Time
	waitUntil func(ctx context.Context, t time.Time) error
	notice    func(ctx context.Context, msg string, fields map[string]any)
	debug     func(ctx context.Context, msg string, fields map[string]any)
	file      *stepFile
	mem       stepState
}

func newTOTPSteps(c *Client, creds Credentials, now func() time.Time, o TOTPOptions) *totpSteps {
	s := &totpSteps{now: now, waitUntil: o.WaitUntil, notice: o.Notice, debug: c.log}
	if s.waitUntil == nil {
		s.waitUntil = func(ctx context.Context, t time.Time) error { return sleepUntil(ctx, now, t) }
	}
	if s.notice == nil {
		s.notice = c.log
	}
	if o.StepDir != "" {
		s.file = &stepFile{path: filepath.Join(o.StepDir, stepRecordName(c.base.String(), creds.Tenant, creds.Username))}
	}
	return s
}

// stepRecordName names an account's record by a hash of what identifies the account on the server:
// the API's URL, the tenant and the user name. It never involves the password or the secret.
func stepRecordName(apiURL, tenant, username string) string {
	sum := sha256.Sum256([]byte(apiURL + "\x00" + tenant + "\x00" + username))
	return hex.EncodeToString(sum[:16]) + ".json"
}

// update runs fn on the account's state, read from the shared record when there is one and written
// back after fn. When the record cannot be used, it says so in the debug log once and goes on with
// this process's own state: the record only spares refused codes, the login never depends on it.
func (s *totpSteps) update(ctx context.Context, fn func(*stepState)) {
	if s.file != nil {
		err := s.file.update(ctx, func(st *stepState) {
			st.merge(s.mem)
			fn(st)
			s.mem = *st
		})
		if err == nil {
			return
		}
		s.debug(ctx, "The record of TOTP time steps shared by the processes of this machine cannot be used; "+
			"this process goes on with its own", map[string]any{"error": err.Error()})
		s.file = nil
	}
	fn(&s.mem)
}

// claim reserves the step of the next code (see stepState.claim).
func (s *totpSteps) claim(ctx context.Context, earliest int64) (step int64, usedHere bool) {
	current := totpStep(s.now())
	s.update(ctx, func(st *stepState) { step, usedHere = st.claim(current, earliest) })
	return step, usedHere
}

// learnStrict records that the server refuses reused codes, so that later logins of this machine
// wait for a fresh step instead of having a code refused.
func (s *totpSteps) learnStrict(ctx context.Context) {
	s.update(ctx, func(st *stepState) { st.Strict = true })
}

// stepFile is one account's record: a small JSON file, read and written under a lock on a file of
// its own (gofrs/flock: flock(2) on Unix, LockFileEx on Windows), held only for that.
type stepFile struct{ path string }

func (f *stepFile) update(ctx context.Context, fn func(*stepState)) error {
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return err
	}
	lock := flock.New(f.path + ".lock")
	lockCtx, cancel := context.WithTimeout(ctx, stepLockTimeout)
	defer cancel()
	locked, err := lock.TryLockContext(lockCtx, 10*time.Millisecond)
	if err != nil {
		return err
	}
	if !locked {
		return fmt.Errorf("the lock %s is still held after %s", lock.Path(), stepLockTimeout)
	}
	// Unlock closes the lock file too; a failure to unlock leaves nothing to do: the lock goes with the
	// file handle at the latest when this process exits.
	defer func() { _ = lock.Unlock() }()

	var st stepState
	raw, err := os.ReadFile(f.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		// A torn or foreign file is only a lost hint: start afresh rather than fail.
		if json.Unmarshal(raw, &st) != nil {
			st = stepState{}
		}
	}
	fn(&st)
	raw, err = json.Marshal(st)
	if err != nil {
		return err
	}
	return os.WriteFile(f.path, raw, 0o600)
}

// sleepUntil waits on a timer until now() reaches t. A wait that would outlast ctx's deadline fails at
// once: it could only end in the same error later.
func sleepUntil(ctx context.Context, now func() time.Time, t time.Time) error {
	d := t.Sub(now())
	if d <= 0 {
		return ctx.Err()
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d { // the deadline is on the real clock
		return fmt.Errorf("waiting %s for the next TOTP time step would outlast the operation's deadline: %w",
			d.Round(time.Second), context.DeadlineExceeded)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
