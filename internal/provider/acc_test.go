package provider

// The acceptance tests: TestAcc* run only with TF_ACC=1 (make testacc), against the Circularo account
// that the CIRCULARO_* settings name, through nothing but its public API. The provider is configured
// from the environment (an empty provider block) and served in-process exactly as Serve serves it;
// the checks talk to the API through internal/client. They never use testEnv or the mock server:
// scripts/test-acc-mock.sh runs them against a mock started as a process of its own, as a real
// account would be.
//
// Every key they create is described tf-acc-<random>-..., so that the sweeper (acc_sweeper_test.go)
// can find what a failed run left behind, and no test touches a key it did not create.
//
// Serial (no t.Parallel): they create and revoke keys in a real account that people use, so they keep
// its load to one test's calls at a time.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// accKeyPrefix starts the description of every key the acceptance tests create, and of no other key:
// the sweeper revokes old keys with it.
const accKeyPrefix = "tf-acc-"

// accProviderBlock configures the provider from the CIRCULARO_* environment variables alone.
const accProviderBlock = "provider \"circularo\" {}\n"

const accKeyAddress = "circularo_api_key.test"

// accSettings is the account that the CIRCULARO_* environment variables name.
type accSettings struct {
	url, apiPath string
	creds        client.Credentials
}

// accSettingsFromEnv reads the account's settings, or says which are missing. The URL is required
// although the provider has a default: tests and the sweeper create and revoke keys, so the account
// must be named, never implied.
func accSettingsFromEnv() (accSettings, error) {
	s := accSettings{
		url:     os.Getenv(envURL),
		apiPath: os.Getenv(envAPIPath),
		creds: client.Credentials{
			Token:      os.Getenv(envToken),
			Username:   os.Getenv(envUsername),
			Password:   os.Getenv(envPassword),
			Tenant:     os.Getenv(envTenant),
			TOTPSecret: os.Getenv(envTOTPSecret),
		},
	}
	var problems []string
	if s.url == "" {
		problems = append(problems, envURL+" is not set")
	}
	// Which credentials are complete is the provider's rule: its Configure's own check.
	var check provider.ConfigureResponse
	checkAuthentication(s.creds, &check)
	for _, d := range check.Diagnostics.Errors() {
		problems = append(problems, d.Summary()+": "+strings.TrimSuffix(d.Detail(), "."))
	}
	if len(problems) > 0 {
		return accSettings{}, fmt.Errorf("the acceptance tests and the sweeper create and revoke API keys in the Circularo "+
			"account that the environment names: %s. Set %s, and either %s or %s and %s (plus %s, %s and %s when "+
			"the account needs them)", strings.Join(problems, "; "), envURL, envToken, envUsername, envPassword,
			envTOTPSecret, envTenant, envAPIPath)
	}
	return s, nil
}

// accPreCheck fails the test when the CIRCULARO_* settings are incomplete, naming what is missing.
func accPreCheck(t *testing.T) {
	t.Helper()
	if _, err := accSettingsFromEnv(); err != nil {
		t.Fatal(err)
	}
}

// withAccSession runs fn with a session of its own on the account, logged out afterwards. Each call
// lists afresh: a Session caches its list of keys, and a check must see the server as it is now.
func withAccSession(ctx context.Context, fn func(*client.Session) error) error {
	s, err := accSettingsFromEnv()
	if err != nil {
		return err
	}
	base, err := client.ParseBaseURL(s.url)
	if err != nil {
		return fmt.Errorf("%s: %w", envURL, err)
	}
	if s.apiPath != "" {
		if err := client.ValidateAPIPath(s.apiPath); err != nil {
			return fmt.Errorf("%s: %w", envAPIPath, err)
		}
	}
	c := client.New(client.Config{BaseURL: base, APIPath: s.apiPath, UserAgent: "terraform-provider-circularo-acctest"})
	session := client.NewSession(c, s.creds, nil)
	err = fn(session)
	return errors.Join(err, session.Close(context.WithoutCancel(ctx)))
}

// accListKeys lists the account's keys as the server has them now.
func accListKeys(ctx context.Context) ([]client.APIKey, error) {
	var keys []client.APIKey
	err := withAccSession(ctx, func(s *client.Session) error {
		var err error
		keys, err = s.ListKeys(ctx)
		return err
	})
	return keys, err
}

// accPrefix is one test's description prefix: tf-acc- and a random suffix, so that its filters and
// checks see its own keys only, whatever else the account holds.
func accPrefix() string { return accKeyPrefix + acctest.RandString(10) }

// accProviderFactories serve the provider in-process through the server that Serve serves, with a
// session registry of the test's own: its logins are logged out when the test ends, as Serve logs
// out a process's at exit (a session left open on a real account lives for 30 days).
func accProviderFactories(t *testing.T) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"circularo": serverFactory(closingSessions(t, options{})),
	}
}

// accTest runs an acceptance test case: skipped without TF_ACC (resource.Test does that), failed by
// the PreCheck when the account is not named. CheckDestroy asks the API that no key with prefix is left.
func accTest(t *testing.T, prefix string, tc resource.TestCase) {
	t.Helper()
	tc.PreCheck = func() { accPreCheck(t) }
	tc.ProtoV6ProviderFactories = accProviderFactories(t)
	tc.CheckDestroy = accCheckDestroy(prefix)
	resource.Test(t, tc)
}

func accKeyConfig(address, description string) string {
	_, name, _ := strings.Cut(address, ".")
	return fmt.Sprintf("resource \"circularo_api_key\" %q {\n  description = %q\n}\n", name, description)
}

// accCheckDestroy asks the API that destroy revoked every key of the state, and that no key with the
// test's prefix is left.
func accCheckDestroy(prefix string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		keys, err := accListKeys(context.Background())
		if err != nil {
			return fmt.Errorf("list the keys after destroy: %w", err)
		}
		var errs []error
		for address, rs := range s.RootModule().Resources {
			if rs.Type != "circularo_api_key" {
				continue
			}
			if _, found := findKey(keys, func(k client.APIKey) bool { return k.Fingerprint() == rs.Primary.ID }); found {
				errs = append(errs, fmt.Errorf("%s (%s) is still on the server after destroy", address, rs.Primary.ID))
			}
		}
		for _, k := range keys {
			if strings.HasPrefix(k.Description, prefix) {
				errs = append(errs, fmt.Errorf("the key %q (%s) is still on the server after destroy", k.Description, k.Fingerprint()))
			}
		}
		return errors.Join(errs...)
	}
}

// accStateCheck is a state check written as a function of the state.
type accStateCheck func(ctx context.Context, state *tfjson.State) error

func (c accStateCheck) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c(ctx, req.State)
}

// accAttributes returns a managed resource's attributes from the state.
func accAttributes(state *tfjson.State, address string) (map[string]any, error) {
	if state != nil && state.Values != nil && state.Values.RootModule != nil {
		for _, r := range state.Values.RootModule.Resources {
			if r.Address == address {
				return r.AttributeValues, nil
			}
		}
	}
	return nil, fmt.Errorf("%s is not in the state", address)
}

func accStringAttribute(state *tfjson.State, address, attr string) (string, error) {
	attrs, err := accAttributes(state, address)
	if err != nil {
		return "", err
	}
	s, ok := attrs[attr].(string)
	if !ok {
		return "", fmt.Errorf("%s.%s is %v, not a string", address, attr, attrs[attr])
	}
	return s, nil
}

// accCapture records an attribute's value for later steps and checks (a key's fingerprint is known
// only once the key exists).
func accCapture(address, attr string, dst *string) statecheck.StateCheck {
	return accStateCheck(func(_ context.Context, state *tfjson.State) error {
		v, err := accStringAttribute(state, address, attr)
		*dst = v
		return err
	})
}

// accExpectOnServer asks the API for the key in the state at address: it exists, with the state's
// description, creation time and type, and the state's token is its value (compared by fingerprint,
// so that a failure never prints it).
func accExpectOnServer(address string) statecheck.StateCheck {
	return accStateCheck(func(ctx context.Context, state *tfjson.State) error {
		attrs, err := accAttributes(state, address)
		if err != nil {
			return err
		}
		fingerprint, _ := attrs["id"].(string)
		token, _ := attrs["token"].(string)
		if token == "" || client.Fingerprint(token) != fingerprint {
			return fmt.Errorf("%s: the token in the state is not the key with the fingerprint %s", address, fingerprint)
		}
		keys, err := accListKeys(ctx)
		if err != nil {
			return err
		}
		key, found := findKey(keys, func(k client.APIKey) bool { return k.Fingerprint() == fingerprint })
		if !found {
			return fmt.Errorf("%s: the server has no key with the fingerprint %s", address, fingerprint)
		}
		want := map[string]string{
			"description":  key.Description,
			"created":      key.Created.UTC().Format(time.RFC3339),
			"api_key_type": key.Type,
		}
		for attr, v := range want {
			if got, _ := attrs[attr].(string); got != v {
				return fmt.Errorf("%s.%s is %q in the state and %q on the server", address, attr, got, v)
			}
		}
		return nil
	})
}

// accExpectRevoked asks the API that no key has the fingerprint that *fingerprint holds by then.
func accExpectRevoked(fingerprint *string) statecheck.StateCheck {
	return accStateCheck(func(ctx context.Context, _ *tfjson.State) error {
		if !client.IsFingerprint(*fingerprint) {
			return fmt.Errorf("no fingerprint was captured (got %q)", *fingerprint)
		}
		keys, err := accListKeys(ctx)
		if err != nil {
			return err
		}
		if k, found := findKey(keys, func(k client.APIKey) bool { return k.Fingerprint() == *fingerprint }); found {
			return fmt.Errorf("the key %q (%s) is still on the server: it was not revoked", k.Description, *fingerprint)
		}
		return nil
	})
}

// accRevokeOutOfBand revokes the key with description through the API, as someone else would.
func accRevokeOutOfBand(t *testing.T, description string) {
	t.Helper()
	ctx := context.Background()
	err := withAccSession(ctx, func(s *client.Session) error {
		keys, err := s.ListKeys(ctx)
		if err != nil {
			return err
		}
		key, found := findKey(keys, func(k client.APIKey) bool { return k.Description == description })
		if !found {
			return fmt.Errorf("no key %q to revoke", description)
		}
		return s.DeleteKey(ctx, key.Value)
	})
	if err != nil {
		t.Fatalf("revoke %q through the API: %v", description, err)
	}
}

// accCaptured is a known-value check against a value captured by an earlier step.
type accCaptured struct{ want *string }

func (c accCaptured) CheckValue(v any) error {
	if s, ok := v.(string); !ok || s != *c.want {
		return fmt.Errorf("expected value %s for StringExact check, got: %v", *c.want, v)
	}
	return nil
}

func (c accCaptured) String() string { return *c.want }

// Create, read, refresh and import by fingerprint, each checked against the API; destroy revokes the
// key (CheckDestroy asks the API).
func TestAccAPIKeyResource_basic(t *testing.T) {
	description := accPrefix() + "-basic"
	accTest(t, description, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: accProviderBlock + accKeyConfig(accKeyAddress, description),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(accKeyAddress, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(accKeyAddress, tfjsonpath.New("id"), knownvalue.StringRegexp(fingerprintPattern)),
					statecheck.ExpectKnownValue(accKeyAddress, tfjsonpath.New("description"), knownvalue.StringExact(description)),
					statecheck.ExpectSensitiveValue(accKeyAddress, tfjsonpath.New("token")),
					accExpectOnServer(accKeyAddress),
				},
			},
			{
				// A refresh reads the key back unchanged.
				Config: accProviderBlock + accKeyConfig(accKeyAddress, description),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{accExpectOnServer(accKeyAddress)},
			},
			{
				// An import never stores the value (store_token = false): the rest must be what create stored.
				ResourceName:            accKeyAddress,
				ImportState:             true,
				ImportStateIdFunc:       stateAttribute(accKeyAddress, "id"),
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"token", "store_token"},
			},
		},
	})
}

// An import block with the key's identity (Terraform 1.12+) and one with its fingerprint adopt the
// key in place. The key keeps no value (store_token = false), as an import records it, so that each
// import is a no-op.
func TestAccAPIKeyResource_importByIdentity(t *testing.T) {
	description := accPrefix() + "-identity"
	noop := resource.ImportPlanChecks{
		PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(accKeyAddress, plancheck.ResourceActionNoop)},
	}
	accTest(t, description, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.Identity),
		Steps: []resource.TestStep{
			{
				Config: accProviderBlock + strings.Replace(accKeyConfig(accKeyAddress, description), "\n}", "\n  store_token = false\n}", 1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValueMatchesStateAtPath(accKeyAddress, tfjsonpath.New("fingerprint"), tfjsonpath.New("id")),
				},
			},
			{
				ResourceName:     accKeyAddress,
				ImportState:      true,
				ImportStateKind:  resource.ImportBlockWithResourceIdentity,
				ImportPlanChecks: noop,
			},
			{
				ResourceName:      accKeyAddress,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: stateAttribute(accKeyAddress, "id"),
				ImportPlanChecks:  noop,
			},
		},
	})
}

// A key revoked outside Terraform is drift: the next plan creates a new key in its place.
func TestAccAPIKeyResource_drift(t *testing.T) {
	description := accPrefix() + "-drift"
	config := accProviderBlock + accKeyConfig(accKeyAddress, description)
	fingerprints := statecheck.CompareValue(compare.ValuesDiffer())
	var first string
	accTest(t, description, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					fingerprints.AddStateValue(accKeyAddress, tfjsonpath.New("id")),
					accCapture(accKeyAddress, "id", &first),
				},
			},
			{
				PreConfig: func() { accRevokeOutOfBand(t, description) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(accKeyAddress, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					fingerprints.AddStateValue(accKeyAddress, tfjsonpath.New("id")),
					accExpectOnServer(accKeyAddress),
					accExpectRevoked(&first),
				},
			},
		},
	})
}

// A new description replaces the key: the plan says so, and the old key is revoked on the server.
func TestAccAPIKeyResource_replaceRevokes(t *testing.T) {
	prefix := accPrefix()
	fingerprints := statecheck.CompareValue(compare.ValuesDiffer())
	var old string
	accTest(t, prefix, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: accProviderBlock + accKeyConfig(accKeyAddress, prefix+"-before"),
				ConfigStateChecks: []statecheck.StateCheck{
					fingerprints.AddStateValue(accKeyAddress, tfjsonpath.New("id")),
					accCapture(accKeyAddress, "id", &old),
				},
			},
			{
				Config: accProviderBlock + accKeyConfig(accKeyAddress, prefix+"-after"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(accKeyAddress, plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					fingerprints.AddStateValue(accKeyAddress, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(accKeyAddress, tfjsonpath.New("description"), knownvalue.StringExact(prefix+"-after")),
					accExpectOnServer(accKeyAddress),
					accExpectRevoked(&old),
				},
			},
		},
	})
}

// accTwoKeys is a configuration with two keys, <prefix>-a and <prefix>-b.
func accTwoKeys(prefix string) string {
	return accProviderBlock + accKeyConfig("circularo_api_key.a", prefix+"-a") + accKeyConfig("circularo_api_key.b", prefix+"-b")
}

// The data source's filters, on the test's own keys: description_regex finds both or one,
// api_key_type keeps them, unused_for and older_than drop them (a key never used counts as unused only
// from its creation, and these are new). Each list
// is checked after the apply and again after a refresh (a fresh list from the server).
func TestAccAPIKeysDataSource_filters(t *testing.T) {
	prefix := accPrefix()
	config := accTwoKeys(prefix) + fmt.Sprintf(`
locals {
  mine = "^%[1]s-"
}

data "circularo_api_keys" "mine" {
  description_regex = local.mine
  depends_on        = [circularo_api_key.a, circularo_api_key.b]
}

data "circularo_api_keys" "only_a" {
  description_regex = "^%[1]s-a$"
  depends_on        = [circularo_api_key.a, circularo_api_key.b]
}

data "circularo_api_keys" "of_type" {
  description_regex = local.mine
  api_key_type      = circularo_api_key.a.api_key_type
  depends_on        = [circularo_api_key.b]
}

data "circularo_api_keys" "unused_for_a_day" {
  description_regex = local.mine
  unused_for        = "1d"
  depends_on        = [circularo_api_key.a, circularo_api_key.b]
}

data "circularo_api_keys" "older_than_a_day" {
  description_regex = local.mine
  older_than        = "1d"
  depends_on        = [circularo_api_key.a, circularo_api_key.b]
}
`, prefix)
	fingerprints := tfjsonpath.New("fingerprints")
	both := func(data string) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(data, fingerprints, knownvalue.ListSizeExact(2)),
			statecheck.CompareValueCollection(data, []tfjsonpath.Path{fingerprints}, "circularo_api_key.a", tfjsonpath.New("id"), compare.ValuesSame()),
			statecheck.CompareValueCollection(data, []tfjsonpath.Path{fingerprints}, "circularo_api_key.b", tfjsonpath.New("id"), compare.ValuesSame()),
		}
	}
	checks := concat(
		both("data.circularo_api_keys.mine"),
		both("data.circularo_api_keys.of_type"),
		[]statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.circularo_api_keys.only_a", fingerprints, knownvalue.ListSizeExact(1)),
			statecheck.CompareValuePairs("data.circularo_api_keys.only_a", fingerprints.AtSliceIndex(0),
				"circularo_api_key.a", tfjsonpath.New("id"), compare.ValuesSame()),
			statecheck.ExpectKnownValue("data.circularo_api_keys.only_a", tfjsonpath.New("api_keys").AtSliceIndex(0),
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"description": knownvalue.StringExact(prefix + "-a")})),
			statecheck.CompareValuePairs("data.circularo_api_keys.only_a", tfjsonpath.New("api_keys").AtSliceIndex(0).AtMapKey("created"),
				"circularo_api_key.a", tfjsonpath.New("created"), compare.ValuesSame()),
			statecheck.ExpectKnownValue("data.circularo_api_keys.older_than_a_day", fingerprints, knownvalue.ListExact([]knownvalue.Check{})),
			statecheck.ExpectKnownValue("data.circularo_api_keys.unused_for_a_day", fingerprints, knownvalue.ListExact([]knownvalue.Check{})),
			accExpectOnServer("circularo_api_key.a"),
			accExpectOnServer("circularo_api_key.b"),
		},
	)
	accTest(t, prefix, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: checks},
			{
				Config:            config,
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: checks,
			},
		},
	})
}

// `terraform query` (Terraform 1.14+) with the list resource finds the test's keys by their
// fingerprint identity, filters like the data source, and shows no token.
func TestAccAPIKeyListResource_query(t *testing.T) {
	prefix := accPrefix()
	var fingerprintA, fingerprintB, tokenA, tokenB string
	identityA := map[string]knownvalue.Check{"fingerprint": accCaptured{&fingerprintA}}
	identityB := map[string]knownvalue.Check{"fingerprint": accCaptured{&fingerprintB}}
	accTest(t, prefix, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.ListResources),
		Steps: []resource.TestStep{
			{
				Config: accTwoKeys(prefix),
				ConfigStateChecks: []statecheck.StateCheck{
					accCapture("circularo_api_key.a", "id", &fingerprintA),
					accCapture("circularo_api_key.b", "id", &fingerprintB),
					accCapture("circularo_api_key.a", "token", &tokenA),
					accCapture("circularo_api_key.b", "token", &tokenB),
				},
			},
			{
				Query: true,
				Config: fmt.Sprintf(`
list "circularo_api_key" "mine" {
  provider = circularo
  config {
    description_regex = "^%[1]s-"
  }
}

list "circularo_api_key" "only_a" {
  provider         = circularo
  include_resource = true
  config {
    description_regex = "^%[1]s-a$"
  }
}

list "circularo_api_key" "mine_older_than_a_day" {
  provider = circularo
  config {
    description_regex = "^%[1]s-"
    older_than        = "1d"
  }
}
`, prefix),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("circularo_api_key.mine", 2),
					querycheck.ExpectIdentity("circularo_api_key.mine", identityA),
					querycheck.ExpectIdentity("circularo_api_key.mine", identityB),
					querycheck.ExpectLength("circularo_api_key.only_a", 1),
					querycheck.ExpectIdentity("circularo_api_key.only_a", identityA),
					querycheck.ExpectResourceDisplayName("circularo_api_key.only_a", queryfilter.ByResourceIdentity(identityA),
						knownvalue.StringRegexp(regexp.MustCompile(`^`+prefix+`-a \(sha256:[0-9a-f]{16}, (never used|last used [^)]+)\)$`))),
					querycheck.ExpectResourceKnownValues("circularo_api_key.only_a", queryfilter.ByResourceIdentity(identityA),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("id"), KnownValue: accCaptured{&fingerprintA}},
							{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact(prefix + "-a")},
							{Path: tfjsonpath.New("token"), KnownValue: knownvalue.Null()},
						}),
					querycheck.ExpectLength("circularo_api_key.mine_older_than_a_day", 0),
					queryCheck(func(req querycheck.CheckQueryRequest) error {
						if tokenA == "" || tokenB == "" {
							return errors.New("no token was captured, so the query output cannot be checked for one")
						}
						out, err := json.Marshal(req.Query)
						if err != nil {
							return err
						}
						if strings.Contains(string(out), tokenA) || strings.Contains(string(out), tokenB) {
							return errors.New("the query output holds a key's token")
						}
						return nil
					}),
				},
			},
		},
	})
}

// The circularo_revoke_api_keys action (Terraform 1.14+) reviews with `terraform plan -invoke` and
// revokes with `terraform apply -invoke` exactly the keys it names. terraform-plugin-testing cannot
// invoke actions, so this test runs the CLI with a provider binary built from this tree; the keys are
// made through the API, as another tool would have made them.
func TestAccRevokeAPIKeysAction(t *testing.T) {
	if os.Getenv(resource.EnvTfAcc) == "" {
		t.Skipf("Acceptance tests skipped unless env '%s' set", resource.EnvTfAcc)
	}
	accPreCheck(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	testkit.RequireCLI(t, testkit.Actions)
	prefix := accPrefix()
	revokeA := accCreateKey(ctx, t, prefix+"-revoke-a")
	revokeB := accCreateKey(ctx, t, prefix+"-revoke-b")
	kept := accCreateKey(ctx, t, prefix+"-kept")

	// The CLI passes its environment to the provider it starts: the account's CIRCULARO_* settings,
	// which testkit.Workdir empties for the mock's tests, are kept.
	wd := testkit.Workdir(t)
	wd.Env = nil
	if err := wd.WriteConfig(testkit.TerraformBlock() + accProviderBlock + fmt.Sprintf(`action "circularo_revoke_api_keys" "this" {
  config {
    fingerprints = [%q, %q]
  }
}
`, revokeA.Fingerprint(), revokeB.Fingerprint())); err != nil {
		t.Fatal(err)
	}
	secrets := []string{revokeA.Value, revokeB.Value, kept.Value}
	for _, name := range []string{envPassword, envToken, envTOTPSecret} {
		if v := os.Getenv(name); v != "" {
			secrets = append(secrets, v)
		}
	}
	invoke := func(command string) string {
		t.Helper()
		out, err := wd.Invoke(ctx, command, "action.circularo_revoke_api_keys.this")
		t.Logf("terraform %s -invoke:\n%s", command, out)
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("the output of terraform %s -invoke shows a secret (%d characters)", command, len(s))
			}
		}
		if err != nil {
			t.Fatalf("terraform %s -invoke failed: %v", command, err)
		}
		return flatten(out)
	}
	present := func() []string {
		t.Helper()
		keys, err := accListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range keys {
			if strings.HasPrefix(k.Description, prefix) {
				out = append(out, k.Description)
			}
		}
		slices.Sort(out)
		return out
	}
	all := []string{kept.Description, revokeA.Description, revokeB.Description}

	plan := invoke("plan")
	for _, k := range []client.APIKey{revokeA, revokeB} {
		if !strings.Contains(plan, k.Fingerprint()) {
			t.Errorf("the plan does not name %s (%s) among the keys to revoke", k.Description, k.Fingerprint())
		}
	}
	if got := present(); !slices.Equal(got, all) {
		t.Fatalf("after the plan the test's keys are %q, want all of %q: a plan must revoke nothing", got, all)
	}

	apply := invoke("apply")
	for _, k := range []client.APIKey{revokeA, revokeB} {
		if want := fmt.Sprintf("Revoked the API key %q (%s)", k.Description, k.Fingerprint()); !strings.Contains(apply, want) {
			t.Errorf("the apply does not report %q", want)
		}
	}
	if got, want := present(), []string{kept.Description}; !slices.Equal(got, want) {
		t.Errorf("after the apply the test's keys are %q, want %q", got, want)
	}
}

// accCreateKey creates a key through the API and revokes it when the test ends, if it is still there.
func accCreateKey(ctx context.Context, t *testing.T, description string) client.APIKey {
	t.Helper()
	var key *client.APIKey
	err := withAccSession(ctx, func(s *client.Session) error {
		var err error
		key, err = s.CreateKey(ctx, description)
		return err
	})
	if err != nil {
		t.Fatalf("create %q through the API: %v", description, err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		// DeleteKey counts a key that is already gone as revoked.
		if err := withAccSession(ctx, func(s *client.Session) error { return s.DeleteKey(ctx, key.Value) }); err != nil {
			t.Errorf("revoke %q (%s) after the test: %v", description, key.Fingerprint(), err)
		}
	})
	return *key
}
