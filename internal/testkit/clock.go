package testkit

import (
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// Day is 24 hours, the unit of rotation and staleness in the tests.
const Day = 24 * time.Hour

// Clock is the one fake clock of the tests (package clock), named here so that the provider's tests
// need only the kit: tests move it between steps, and the provider and the mock read it.
type Clock = clock.Clock

// NewClock starts a Clock at the current time, in UTC and whole seconds (clock.New).
func NewClock() *Clock { return clock.New() }
