package main

import (
	"flag"
	"log"

	"github.com/circularo/terraform-provider-circularo/internal/provider"
)

// Set by the release build (goreleaser ldflags).
var (
	version = "dev"
	commit  = ""
)

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.Parse()

	if err := provider.Serve(version, debug); err != nil {
		log.Fatalf("terraform-provider-circularo %s (%s): %s", version, commit, err)
	}
}
