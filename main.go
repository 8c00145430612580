package main

import (
	"context"
	"flag"
	"log"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/circularo/terraform-provider-circularo/internal/provider"
)

// Set by the release build (goreleaser ldflags).
var (
	version = "dev"
	commit  = ""
)

// sessionCleanupTimeout stays under the ~2 s that Terraform allows a plugin after a graceful stop.
const sessionCleanupTimeout = 1500 * time.Millisecond

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/circularo/circularo",
		Debug:   debug,
	})

	// Serve returns when Terraform stops the plugin: log out the sessions this process opened.
	ctx, cancel := context.WithTimeout(context.Background(), sessionCleanupTimeout)
	provider.CloseSessions(ctx)
	cancel()

	if err != nil {
		log.Fatalf("terraform-provider-circularo %s (%s): %s", version, commit, err)
	}
}
