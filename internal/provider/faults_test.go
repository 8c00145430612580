package provider

import (
	"fmt"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// faultKeysConfig declares count keys described fault-key-<index>, with retries enough to ride out
// the mock's faults.
func (e *testEnv) faultKeysConfig(count int) string {
	return e.ProviderBlock(`max_retries = 10`, `request_timeout = "5m"`) + fmt.Sprintf(`
resource "circularo_api_key" "fault" {
  count       = %d
  description = "fault-key-${count.index}"
}
`, count)
}

// checkExactlyDeclaredKeys proves that the server holds the unmanaged keys plus exactly one key per
// declared resource, the one in its state.
func (e *testEnv) checkExactlyDeclaredKeys(count int, unmanaged ...mockserver.Key) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		onServer := e.Mock.Keys(testkit.User)
		if len(onServer) != count+len(unmanaged) {
			return fmt.Errorf("the server holds %d keys, want %d declared and %d unmanaged", len(onServer), count, len(unmanaged))
		}
		for _, u := range unmanaged {
			if !e.Mock.KeyExists(u.Value) {
				return fmt.Errorf("the unmanaged key %q is gone", u.Description)
			}
		}
		for i := range count {
			address := fmt.Sprintf("circularo_api_key.fault.%d", i)
			value, err := keyValue(s, address)
			if err != nil {
				return err
			}
			var managed []string
			for _, k := range onServer {
				if k.Description == fmt.Sprintf("fault-key-%d", i) && !slices.ContainsFunc(unmanaged, func(u mockserver.Key) bool { return u.Value == k.Value }) {
					managed = append(managed, k.Value)
				}
			}
			if len(managed) != 1 || managed[0] != value {
				return fmt.Errorf("the server holds %d managed keys described fault-key-%d, want exactly the one in %s", len(managed), i, address)
			}
		}
		return nil
	}
}

// checkOnlyKeysLeft is a CheckDestroy: after destroy only the unmanaged keys remain.
func (e *testEnv) checkOnlyKeysLeft(unmanaged ...mockserver.Key) func(*terraform.State) error {
	return func(*terraform.State) error {
		left := e.Mock.Keys(testkit.User)
		if len(left) != len(unmanaged) {
			return fmt.Errorf("%d keys are left after destroy, want the %d unmanaged ones", len(left), len(unmanaged))
		}
		for _, u := range unmanaged {
			if !e.Mock.KeyExists(u.Value) {
				return fmt.Errorf("destroy revoked the unmanaged key %q", u.Description)
			}
		}
		return nil
	}
}

// checkFaultsHappened makes sure that the mock did misbehave, so the test cannot pass vacuously.
func (e *testEnv) checkFaultsHappened(*terraform.State) error {
	if e.Mock.Count("throttled") == 0 || e.Mock.Count("server_error") == 0 {
		return fmt.Errorf("the mock injected no faults: %v", e.Mock.Counts())
	}
	return nil
}

// With a third of the calls throttled and a fifth failing with 503, applying and destroying many
// keys still succeeds, and the server ends with exactly the declared keys.
func TestAPIKeyResource_survivesThrottlingAndServerErrors(t *testing.T) {
	t.Parallel()
	const count = 15
	env := newEnv(t)
	unmanaged := []mockserver.Key{
		env.Mock.AddKey(testkit.User, mockserver.Key{Description: "unmanaged-1"}),
		env.Mock.AddKey(testkit.User, mockserver.Key{Description: "fault-key-0"}), // same description as a managed key
	}
	env.Mock.SetFaults(mockserver.Faults{
		ThrottleRate:      0.3,
		ServerErrorRate:   0.2,
		ServerErrorStatus: 503,
		RetryAfterSeconds: 1,
		Seed:              1,
	})
	env.fastRetries()
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkOnlyKeysLeft(unmanaged...),
		Steps: []resource.TestStep{
			{
				Config: env.faultKeysConfig(count),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkExactlyDeclaredKeys(count, unmanaged...),
					env.checkFaultsHappened,
				),
			},
			{
				// Refreshing under the same faults finds every key: nothing to change.
				Config: env.faultKeysConfig(count),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
	t.Logf("mock counters: %v", env.Mock.Counts())
}

// Create calls whose answers are lost after the key was made are recovered by adopting the key:
// the server ends with exactly the declared keys, and the state holds them.
func TestAPIKeyResource_lostCreateAnswersAreAdopted(t *testing.T) {
	t.Parallel()
	const count = 3
	env := newEnv(t)
	env.Mock.SetFaults(mockserver.Faults{DropCreateResponses: 2})
	env.fastRetries()
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkOnlyKeysLeft(),
		Steps: []resource.TestStep{
			{
				Config: env.faultKeysConfig(count),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkExactlyDeclaredKeys(count),
					func(*terraform.State) error {
						if n := env.Mock.Count("create_key"); n != count {
							return fmt.Errorf("%d create calls for %d keys: a lost answer was sent again", n, count)
						}
						return nil
					},
				),
			},
			{
				Config:   env.faultKeysConfig(count),
				PlanOnly: true, // the adopted keys are in the state as they are on the server
			},
		},
	})
}
