package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// scaleKeyCount is enough keys for Terraform to refresh them concurrently (its parallelism is 10),
// and few enough for a quick test.
const scaleKeyCount = 25

func (e *testEnv) manyKeysConfig(count int, withDataSource bool) string {
	config := e.ProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "many" {
  count       = %d
  description = "scale-${count.index}"
}
`, count)
	if withDataSource {
		config += `
data "circularo_api_keys" "all" {}
`
	}
	return config
}

// TestAPIKeyResource_refreshListsKeysOncePerProcess refreshes 25 keys, alone and with the data
// source, and counts the list calls of every terraform command: one per provider process that
// needs the API, never one per key, and none for planning without a refresh.
func TestAPIKeyResource_refreshListsKeysOncePerProcess(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	oneList := map[string]int{"login": 1, "list_keys": 1}
	noCalls := map[string]int{}
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				// The plan needs nothing from the API; the apply lists once (the creates' check for
				// keys left by a failed create) and creates every key.
				Config:    env.manyKeysConfig(scaleKeyCount, false),
				PreConfig: env.Mock.ResetCounts,
				ConfigStateChecks: []statecheck.StateCheck{
					testkit.ExpectAPICalls(env.Mock, map[string]int{"login": 1, "list_keys": 1, "create_key": scaleKeyCount}),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, noCalls)},
					PostApplyPostRefresh: []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneList)},
				},
			},
			{
				// A plan-only step runs `plan -refresh=false` and then `plan`.
				Config:    env.manyKeysConfig(scaleKeyCount, false),
				PreConfig: env.Mock.ResetCounts,
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// Planning 25 unchanged keys (plan modifiers included) calls nothing.
					PostApplyPreRefresh: []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, noCalls)},
					// Refreshing 25 keys lists once.
					PostApplyPostRefresh: []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneList)},
				},
			},
			{
				// The data source is read even without a refresh; with one, the 25 refreshes share
				// its list.
				Config:    env.manyKeysConfig(scaleKeyCount, true),
				PreConfig: env.Mock.ResetCounts,
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneList)},
					PostApplyPostRefresh: []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneList)},
				},
			},
			{
				// Five more keys: the plan refreshes the 25 with one list, and the apply's creates
				// share one list, which the creates keep correct without listing again.
				Config:    env.manyKeysConfig(scaleKeyCount+5, true),
				PreConfig: env.Mock.ResetCounts,
				ConfigStateChecks: []statecheck.StateCheck{
					testkit.ExpectAPICalls(env.Mock, map[string]int{"login": 2, "list_keys": 2, "create_key": 5}),
					testkit.Check(func() error {
						if n := len(env.Mock.Keys(testkit.User)); n != scaleKeyCount+5 {
							return fmt.Errorf("the server holds %d keys, want %d", n, scaleKeyCount+5)
						}
						return nil
					}),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneList)},
					PostApplyPostRefresh: []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneList)},
				},
			},
		},
	})
}
