// Package testkit is the provider tests' support, in the spirit of terraform-provider-time's
// internal/timetesting: one fake clock (its leaf package clock, which every package's tests use by
// that one name), one builder of a mock Circularo environment (with options), one way to assert the
// mock's API calls (calls.go: exact or for some routes), the plan, state and warning checks that
// several test files share, the provider binary built once per test binary for the tests that run it
// as its own process, and the one table of the CLI features that tests need (tfversion.go) with the
// gates that skip a test on a CLI that lacks its feature (SkipUnlessCLI, RequireCLI), telling
// Terraform from OpenTofu through terraformcli.Version.
//
// It knows the mock server and terraform-plugin-testing, never the provider package: the provider's
// in-package tests import it, so it cannot import them back. The provider's tests hand their provider
// servers to the kit's checks (Observer.Wrap).
package testkit
