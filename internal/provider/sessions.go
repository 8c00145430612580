package provider

import (
	"context"
	"sync"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

// sessionRegistry holds every Session that Configure made in one plugin process, so that Serve can
// log out their logins after Terraform stops the plugin. Serve makes one per process and passes it in
// options; a provider without one (tests, New) registers nothing. Sessions built on a given token log
// out nothing.
type sessionRegistry struct {
	mu   sync.Mutex
	list []*client.Session
}

// register adds s; on a nil registry it does nothing.
func (r *sessionRegistry) register(s *client.Session) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, s)
}

// closeAll logs out every session registered so far and forgets them. Serve calls it after Terraform
// stops the plugin; errors are dropped because the process is about to exit and an unclosed session
// still expires on the server.
func (r *sessionRegistry) closeAll(ctx context.Context) {
	if r == nil {
		return
	}
	r.mu.Lock()
	list := r.list
	r.list = nil
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Close(ctx)
		}()
	}
	wg.Wait()
}
