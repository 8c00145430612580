package provider

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// TestSessionRegistry_closeAllLogsOutEverySession: the registry that Serve passes to the provider
// logs out every session registered in it, once, and a nil registry (New, most tests) is inert.
func TestSessionRegistry_closeAllLogsOutEverySession(t *testing.T) {
	t.Parallel()
	mock := mockserver.New(mockserver.Options{})
	mock.AddUser(mockserver.User{Name: testkit.User, Password: testkit.Password})
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	c := client.New(client.Config{BaseURL: mustParseBaseURL(t, srv.URL)})
	ctx := context.Background()
	registry := &sessionRegistry{}
	for range 3 {
		s := client.NewSession(c, client.Credentials{Username: testkit.User, Password: testkit.Password}, nil)
		if _, err := s.ListKeys(ctx); err != nil {
			t.Fatal(err)
		}
		registry.register(s)
	}
	if n := mock.OpenSessions(); n != 3 {
		t.Fatalf("%d sessions open after three logins, want 3", n)
	}
	registry.closeAll(ctx)
	if n := mock.OpenSessions(); n != 0 {
		t.Fatalf("%d sessions still open after closeAll", n)
	}
	if n := mock.Count("logout"); n != 3 {
		t.Fatalf("closeAll logged out %d times, want 3", n)
	}
	registry.closeAll(ctx)
	if n := mock.Count("logout"); n != 3 {
		t.Fatalf("a second closeAll logged out again (%d logouts in all)", n)
	}

	var none *sessionRegistry
	none.register(client.NewSession(c, client.Credentials{Token: "given"}, nil))
	none.closeAll(ctx)
}
