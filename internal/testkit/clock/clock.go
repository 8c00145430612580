// Package clock is the tests' one fake clock. It is a leaf package of its own, not part of testkit,
// so that the mock server's in-package tests can use it too: testkit imports the mock server, which
// therefore cannot import testkit back.
package clock

import (
	"sync"
	"time"
)

// Clock is a clock that the test moves by hand. It is safe for the goroutines of the code under
// test (the provider's, the mock's handlers) and the test at once.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New starts a clock at the current time, in UTC and whole seconds, as the API reports times.
func New() *Clock {
	return At(time.Now().UTC().Truncate(time.Second))
}

// At starts a clock at t, for tests that compare times with fixed timestamps.
func At(t time.Time) *Clock {
	return &Clock{now: t}
}

// Now is the clock's time; pass the method value as a func() time.Time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
