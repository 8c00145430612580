//go:build generate

// Package tools pins the generation tools in their own module, so that their dependencies stay out of
// the provider's go.mod. Run the generators with `make generate` (or `cd tools && go generate ./...`
// with terraform on PATH).
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)

// Format the Terraform code of the examples, which the documentation embeds.
//go:generate terraform fmt -recursive ../examples/

// Generate the documentation under docs/ from the provider schema, templates/ and examples/, then check it.
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name circularo
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs validate --provider-dir .. --provider-name circularo
