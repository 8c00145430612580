package testkit

import "time"

// Day is 24 hours, the unit of rotation and staleness in the tests.
const Day = 24 * time.Hour
