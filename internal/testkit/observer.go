package testkit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
)

// Observer sees what terraform-plugin-testing cannot: the diagnostics of every plan, and User's keys
// on the mock before and after every apply of a resource. The provider's tests serve their provider
// through Wrap.
type Observer struct {
	mock *mockserver.Server

	mu          sync.Mutex
	diagnostics []*tfprotov6.Diagnostic
	applies     []ApplyEvent
	jumpAtApply func() // run once, in the first plan made by an apply (a plan with no refresh before it)
	jumped      bool
}

// NewObserver observes the provider servers that Wrap wraps, against mock.
func NewObserver(mock *mockserver.Server) *Observer {
	return &Observer{mock: mock}
}

// ApplyEvent is one ApplyResourceChange: the keys that existed before and after it.
type ApplyEvent struct {
	Before, After []mockserver.Key
}

// Added are the keys that the apply created.
func (e ApplyEvent) Added() []mockserver.Key { return keysMissingFrom(e.After, e.Before) }

// Removed are the keys that the apply revoked.
func (e ApplyEvent) Removed() []mockserver.Key { return keysMissingFrom(e.Before, e.After) }

func keysMissingFrom(keys, other []mockserver.Key) []mockserver.Key {
	var out []mockserver.Key
	for _, k := range keys {
		if !slices.ContainsFunc(other, func(o mockserver.Key) bool { return o.Value == k.Value }) {
			out = append(out, k)
		}
	}
	return out
}

// Wrap returns server, one provider process (Terraform starts one per command), seen by the observer.
func (o *Observer) Wrap(server tfprotov6.ProviderServer) tfprotov6.ProviderServer {
	return &observedServer{ProviderServer: server, obs: o}
}

// SetJumpAtApply makes the first plan of the next apply run jump first (it moves a clock, say).
func (o *Observer) SetJumpAtApply(jump func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.jumpAtApply, o.jumped = jump, false
}

// Jumped reports whether the jump set by SetJumpAtApply ran.
func (o *Observer) Jumped() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.jumped
}

// Reset forgets the diagnostics and applies seen so far.
func (o *Observer) Reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.diagnostics = nil
	o.applies = nil
}

// Warnings returns the distinct warnings since the last reset, as "summary: detail". Terraform plans
// several times per step (and twice in plan-only steps), so the same warning may be seen repeatedly.
func (o *Observer) Warnings() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, d := range o.diagnostics {
		if d.Severity != tfprotov6.DiagnosticSeverityWarning {
			continue
		}
		if w := d.Summary + ": " + d.Detail; !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// ApplyEvents are the applies since the last reset.
func (o *Observer) ApplyEvents() []ApplyEvent {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.applies)
}

// observedServer is one provider process, as Terraform starts one per command.
type observedServer struct {
	tfprotov6.ProviderServer
	obs     *Observer
	mu      sync.Mutex
	sawRead bool
}

func (s *observedServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	s.mu.Lock()
	s.sawRead = true
	s.mu.Unlock()
	return s.ProviderServer.ReadResource(ctx, req)
}

func (s *observedServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	s.mu.Lock()
	applying := !s.sawRead
	s.mu.Unlock()
	o := s.obs
	o.mu.Lock()
	if applying && o.jumpAtApply != nil && !o.jumped {
		o.jumped = true
		o.jumpAtApply()
	}
	o.mu.Unlock()
	resp, err := s.ProviderServer.PlanResourceChange(ctx, req)
	if resp != nil {
		o.mu.Lock()
		o.diagnostics = append(o.diagnostics, resp.Diagnostics...)
		o.mu.Unlock()
	}
	return resp, err
}

func (s *observedServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	before := s.obs.mock.Keys(User)
	resp, err := s.ProviderServer.ApplyResourceChange(ctx, req)
	after := s.obs.mock.Keys(User)
	s.obs.mu.Lock()
	s.obs.applies = append(s.obs.applies, ApplyEvent{Before: before, After: after})
	s.obs.mu.Unlock()
	return resp, err
}

// Warning is an expected warning: its summary, and fragments of its detail.
type Warning struct {
	Summary   string
	Fragments []string
}

// Matches reports whether s, as "summary: detail", is the warning.
func (w Warning) Matches(s string) bool {
	summary, detail, _ := strings.Cut(s, ": ")
	if summary != w.Summary {
		return false
	}
	for _, f := range w.Fragments {
		if !strings.Contains(detail, f) {
			return false
		}
	}
	return true
}

// ExpectWarnings is a plan check on the observer: the plans since the last reset warned exactly
// these warnings, then it resets.
func (o *Observer) ExpectWarnings(want ...Warning) plancheck.PlanCheck {
	return Check(func() error {
		defer o.Reset()
		got := o.Warnings()
		if len(got) != len(want) {
			return fmt.Errorf("the plan warned %d times, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
		}
		for _, w := range want {
			if !slices.ContainsFunc(got, w.Matches) {
				return fmt.Errorf("no warning %q with %q among:\n%s", w.Summary, w.Fragments, strings.Join(got, "\n"))
			}
		}
		return nil
	})
}

// CheckNoGap proves a rotation without a gap: in every apply since the last reset, User had a key
// described so both before and after, and the new key was created before the old one was revoked
// (one apply adds it, a later one removes the old one).
func (o *Observer) CheckNoGap(description string) error {
	described := func(keys []mockserver.Key) int {
		n := 0
		for _, k := range keys {
			if k.Description == description {
				n++
			}
		}
		return n
	}
	var order []string
	for i, e := range o.ApplyEvents() {
		if described(e.Before) == 0 || described(e.After) == 0 {
			return fmt.Errorf("apply %d left the user without a key described %q (%d before, %d after)",
				i+1, description, described(e.Before), described(e.After))
		}
		for _, k := range e.Added() {
			if k.Description == description {
				order = append(order, "create")
			}
		}
		for _, k := range e.Removed() {
			if k.Description == description {
				order = append(order, "revoke")
			}
		}
	}
	if !slices.Equal(order, []string{"create", "revoke"}) {
		return fmt.Errorf("the applies did %v for %q, want [create revoke]", order, description)
	}
	return nil
}
