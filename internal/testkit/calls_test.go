package testkit

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
)

func TestCompareCalls(t *testing.T) {
	t.Parallel()
	got := map[string]int{"total": 5, "login": 1, "list_keys": 2, "logout": 1, "create_key": 1}
	cases := []struct {
		name    string
		compare func(got, want map[string]int) error
		want    map[string]int
		diffs   []string // each line the error must hold; none for no error
	}{
		{"exact: the same counts, total and logout ignored", CompareCalls,
			map[string]int{"login": 1, "list_keys": 2, "create_key": 1}, nil},
		{"exact: a route not wanted is a difference", CompareCalls,
			map[string]int{"login": 1, "list_keys": 2}, []string{"create_key: 1 calls, want 0"}},
		{"exact: a count that differs", CompareCalls,
			map[string]int{"login": 1, "list_keys": 1, "create_key": 1}, []string{"list_keys: 2 calls, want 1"}},
		{"exact: a route never called counts 0", CompareCalls,
			map[string]int{"login": 1, "list_keys": 2, "create_key": 1, "delete_key": 3}, []string{"delete_key: 0 calls, want 3"}},
		{"exact: logout and total are compared when named", CompareCalls,
			map[string]int{"login": 1, "list_keys": 2, "create_key": 1, "logout": 0, "total": 0},
			[]string{"logout: 1 calls, want 0", "total: 5 calls, want 0"}},
		{"subset: only the named routes", CompareSomeCalls,
			map[string]int{"list_keys": 2}, nil},
		{"subset: a route never called counts 0", CompareSomeCalls,
			map[string]int{"delete_key": 0, "create_key": 1}, nil},
		{"subset: a named route that differs, never called or called", CompareSomeCalls,
			map[string]int{"delete_key": 1, "login": 2, "list_keys": 2},
			[]string{"delete_key: 0 calls, want 1", "login: 1 calls, want 2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.compare(got, tc.want)
			if len(tc.diffs) == 0 {
				if err != nil {
					t.Fatalf("got an error, want none: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want %q", tc.diffs)
			}
			msg := err.Error()
			for _, d := range tc.diffs {
				if !strings.Contains(msg, "\n  "+d+"\n") {
					t.Errorf("the error does not hold the line %q:\n%s", d, msg)
				}
			}
			if n := strings.Count(msg, " calls, want "); n != len(tc.diffs) {
				t.Errorf("the error names %d routes, want %d:\n%s", n, len(tc.diffs), msg)
			}
			if !strings.Contains(msg, "(all counts: map[create_key:1 list_keys:2 login:1 logout:1 total:5])") {
				t.Errorf("the error does not show all counts:\n%s", msg)
			}
		})
	}
}

// ExpectAPICalls accounts for every call and resets the counts; ExpectSomeAPICalls leaves them for
// later checks.
func TestExpectAPICalls_reset(t *testing.T) {
	t.Parallel()
	mock := mockserver.New(mockserver.Options{})
	call := func() { mock.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/nowhere", nil)) }

	call()
	if err := ExpectSomeAPICalls(mock, map[string]int{"total": 1})(); err != nil {
		t.Fatal(err)
	}
	if err := ExpectSomeAPICalls(mock, map[string]int{"total": 2})(); err == nil {
		t.Error("ExpectSomeAPICalls accepted 1 call as 2")
	}
	if n := mock.Count("total"); n != 1 {
		t.Errorf("after ExpectSomeAPICalls the mock counts %d calls, want the 1 kept", n)
	}
	call()
	if err := ExpectAPICalls(mock, map[string]int{"not_found": 2, "total": 2})(); err != nil {
		t.Fatal(err)
	}
	if n := mock.Count("total"); n != 0 {
		t.Errorf("after ExpectAPICalls the mock counts %d calls, want 0 (reset)", n)
	}
}
