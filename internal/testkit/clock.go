package testkit

import (
	"sync"
	"time"
)

// Day is 24 hours, the unit of rotation and staleness in the tests.
const Day = 24 * time.Hour

// Clock is the one clock of the provider and the mock in a test: tests move it between steps. It is
// safe for the provider's goroutines and the mock's handlers at once.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at the current time, in UTC and whole seconds, as the API reports times.
func NewClock() *Clock {
	return &Clock{now: time.Now().UTC().Truncate(time.Second)}
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
