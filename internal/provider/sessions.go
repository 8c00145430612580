package provider

import (
	"context"
	"sync"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

// openedSessions holds every Session that Configure made in this process, so that Serve can log
// out their logins after Terraform stops the plugin. Sessions built on a given token log out nothing.
var openedSessions struct {
	sync.Mutex
	list []*client.Session
}

func registerSession(s *client.Session) {
	openedSessions.Lock()
	defer openedSessions.Unlock()
	openedSessions.list = append(openedSessions.list, s)
}

// closeSessions logs out every session the provider opened in this process. Serve calls it after
// Terraform stops the plugin; errors are dropped because the process is about to exit and an
// unclosed session still expires on the server.
func closeSessions(ctx context.Context) {
	openedSessions.Lock()
	list := openedSessions.list
	openedSessions.list = nil
	openedSessions.Unlock()
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
