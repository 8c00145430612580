package testkit

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
)

// The API-call assertions of every test: the mock counts calls per route (Server.Counts), and a test
// compares those counts with what it wants in one of two modes.
//
//   - Exact (ExpectAPICalls, CompareCalls): every route the mock counted must be wanted, so a new
//     call anywhere fails the test. "total" (the sum of the others) and "logout" (made when
//     Terraform stops the provider, which may be before or after the check) are left out unless
//     want names them.
//   - Subset (ExpectSomeAPICalls, CompareSomeCalls): only the routes want names are compared.
//
// In both, a route the mock never counted counts 0, and the message names each route that differs
// with its count and the wanted one, then all the counts.

// ExpectAPICalls is a check on the mock (plan, state or query check): since the last reset of its
// counts, the routes were called exactly so often (see CompareCalls); then it resets the counts, so
// that the next check of the step counts from there.
//
// terraform-plugin-testing starts a new provider server for every terraform command, and Terraform
// configures it once, so each command is one provider process with one Session: "login": 1 proves
// that, and "list_keys": 1 beside it proves one list per provider process.
func ExpectAPICalls(mock *mockserver.Server, want map[string]int) Check {
	return func() error {
		got := mock.Counts()
		mock.ResetCounts()
		return CompareCalls(got, want)
	}
}

// ExpectSomeAPICalls is a check on the mock (plan, state or query check): since the last reset of
// its counts, the routes named in want were called so often (see CompareSomeCalls). It leaves the
// counts as they are: it accounts for some routes only, and later checks (CheckDestroy's DELETE, a
// test's total at its end) still need the others.
func ExpectSomeAPICalls(mock *mockserver.Server, want map[string]int) Check {
	return func() error {
		return CompareSomeCalls(mock.Counts(), want)
	}
}

// CompareCalls reports every route whose count in got differs from want, counting every route of
// got; "total" and "logout" only when want names them.
func CompareCalls(got, want map[string]int) error {
	return compareCalls(got, want, true)
}

// CompareSomeCalls reports every route named in want whose count in got differs.
func CompareSomeCalls(got, want map[string]int) error {
	return compareCalls(got, want, false)
}

func compareCalls(got, want map[string]int, exact bool) error {
	routes := slices.Collect(maps.Keys(want))
	if exact {
		for route := range got {
			if _, named := want[route]; !named && route != "total" && route != "logout" {
				routes = append(routes, route)
			}
		}
	}
	slices.Sort(routes)
	var diffs []string
	for _, route := range routes {
		if got[route] != want[route] {
			diffs = append(diffs, fmt.Sprintf("%s: %d calls, want %d", route, got[route], want[route]))
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("API calls differ from what was wanted:\n  %s\n(all counts: %v)", strings.Join(diffs, "\n  "), got)
}
