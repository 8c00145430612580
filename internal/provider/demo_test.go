package provider

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

var demoConfig = config.StaticDirectory("../../examples/demo")

// TestDemo_outputsAreTrueAfterEachApply runs the demo's configuration (make demo) and checks that what
// each apply prints is true once that apply is done: the revoking apply's all_keys lists only the keys
// left, and stale_keys, whose keys that apply revoked, is gone. (all_keys was read before the
// revocation, and listed the revoked keys, until the data source waited for the key resources.)
//
// Serial: useWorkflowEnvironment sets TF_ACC_PROVIDER_NAMESPACE in the process's environment.
func TestDemo_outputsAreTrueAfterEachApply(t *testing.T) {
	env := newEnv(t, testkit.WithClock(clock.New()))
	env.useWorkflowEnvironment(t)
	now := env.Now()
	at := func(ago time.Duration) *time.Time { t := now.Add(-ago); return &t }
	stale := env.Mock.AddKey(testkit.User, env.Key("legacy-ci", 400*testkit.Day, at(200*testkit.Day)))
	fresh := env.Mock.AddKey(testkit.User, env.Key("ci-pipeline", 60*testkit.Day, at(time.Hour)))

	line := func(k mockserver.Key) knownvalue.Check {
		return knownvalue.StringRegexp(regexp.MustCompile("^" + regexp.QuoteMeta(fmt.Sprintf("%-18s %s  created ", k.Description, client.Fingerprint(k.Value)))))
	}
	integration := knownvalue.StringRegexp(regexp.MustCompile(`^demo-integration   sha256:[0-9a-f]{16}  created `))
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.ImportForEach),
		Steps: []resource.TestStep{
			{
				// 1. Create the integration's key and adopt the stale one: all_keys shows the new key too.
				ConfigDirectory: demoConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("all_keys", knownvalue.ListExact([]knownvalue.Check{line(stale), line(fresh), integration})),
					statecheck.ExpectKnownOutputValue("stale_keys", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact(fmt.Sprintf("legacy-ci (%s)", client.Fingerprint(stale.Value))),
					})),
				},
			},
			{
				// 3. Revoke the stale key: all_keys no longer lists it, and stale_keys is gone.
				ConfigDirectory: demoConfig,
				ConfigVariables: config.Variables{"revoke_stale": config.BoolVariable(true)},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("all_keys", knownvalue.ListExact([]knownvalue.Check{line(fresh), integration})),
					testkit.Check(func() error {
						if env.Mock.KeyExists(stale.Value) {
							return fmt.Errorf("the stale key %q was not revoked", stale.Description)
						}
						return nil
					}),
				},
			},
		},
	})
}
