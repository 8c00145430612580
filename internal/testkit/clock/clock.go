// Package clock is the tests' one fake clock, and Start the one time every test starts at: the
// client's, the mock's and the provider's. It is a leaf package of its own, not part of testkit, so
// that the mock server's in-package tests can use it too: testkit imports the mock server, which
// therefore cannot import testkit back.
//
// Tests that run the built provider binary (testkit.ProviderDir) keep the real time: that provider is
// a process of its own, on the real clock, which no test can set.
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

// Start is where every test's time starts: in UTC and whole seconds, as the API reports times, and
// far from the real time, so that a time taken from time.Now instead of the test's clock shows. A
// function, not a variable, so that no test can move every other test's start.
func Start() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) }

// New starts a clock at Start.
func New() *Clock {
	return &Clock{now: Start()}
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
