package testkit

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
)

// Check is a check of something outside the plan and the state (the mock, an observer), usable as a
// plan check, a state check and a query check.
type Check func() error

func (c Check) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = c()
}

func (c Check) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c()
}

func (c Check) CheckQuery(_ context.Context, _ querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	resp.Error = c()
}

// PlanCheckFunc is a plan check written as a function of the plan.
type PlanCheckFunc func(*tfjson.Plan) error

func (f PlanCheckFunc) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f(req.Plan)
}

// LazyPlanCheck builds its plan check when the check runs, for values known only after a PreConfig.
type LazyPlanCheck func() plancheck.PlanCheck

func (c LazyPlanCheck) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	c().CheckPlan(ctx, req, resp)
}

// ExpectChangesExactly fails unless the plan changes (or imports) exactly these resources, each with
// this action, and every destroyed key in keys shows its description, created and last use as on the mock.
func ExpectChangesExactly(want map[string]plancheck.ResourceActionType, keys map[string]mockserver.Key) plancheck.PlanCheck {
	return PlanCheckFunc(func(plan *tfjson.Plan) error {
		var problems, changed []string
		for _, rc := range plan.ResourceChanges {
			if rc.Change.Actions.NoOp() && rc.Change.Importing == nil {
				continue
			}
			changed = append(changed, rc.Address)
			what := fmt.Sprint(rc.Change.Actions)
			if rc.Change.Importing != nil {
				what = "imported " + what
			}
			if action, ok := want[rc.Address]; !ok {
				problems = append(problems, fmt.Sprintf("%s is planned %s, want no change", rc.Address, what))
			} else if !HasAction(rc.Change.Actions, action) {
				problems = append(problems, fmt.Sprintf("%s is planned %s, want %s", rc.Address, what, action))
			}
			k, ok := keys[rc.Address]
			if !ok || !rc.Change.Actions.Delete() {
				continue
			}
			before, _ := rc.Change.Before.(map[string]any)
			wantBefore := map[string]any{
				"description": k.Description,
				"created":     k.Created.Format(time.RFC3339),
				"last_used":   nil,
			}
			if k.LastUsed != nil {
				wantBefore["last_used"] = k.LastUsed.Format(time.RFC3339)
			}
			for attr, v := range wantBefore {
				if before[attr] != v {
					problems = append(problems, fmt.Sprintf("%s shows %s = %v, want %v", rc.Address, attr, before[attr], v))
				}
			}
		}
		for address := range want {
			if !slices.Contains(changed, address) {
				problems = append(problems, address+" is not in the plan")
			}
		}
		sort.Strings(problems)
		if len(problems) > 0 {
			return fmt.Errorf("%s", strings.Join(problems, "\n"))
		}
		return nil
	})
}

// HasAction reports whether actions are the plancheck action want.
func HasAction(actions tfjson.Actions, want plancheck.ResourceActionType) bool {
	switch want {
	case plancheck.ResourceActionNoop:
		return actions.NoOp()
	case plancheck.ResourceActionCreate:
		return actions.Create()
	case plancheck.ResourceActionUpdate:
		return actions.Update()
	case plancheck.ResourceActionDestroy:
		return actions.Delete()
	case plancheck.ResourceActionCreateBeforeDestroy:
		return actions.CreateBeforeDestroy()
	case plancheck.ResourceActionDestroyBeforeCreate:
		return actions.DestroyBeforeCreate()
	}
	return false
}
