package provider

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// accSweepMinAge: a tf-acc- key younger than this may belong to a test that is still running.
const accSweepMinAge = time.Hour

func init() {
	// make sweep: go test ./internal/provider -sweep=all. Circularo has no regions: the account is
	// the one that the CIRCULARO_* settings name, and the sweeper ignores the region it is given.
	resource.AddTestSweepers("circularo_api_key", &resource.Sweeper{
		Name: "circularo_api_key",
		F:    func(string) error { return sweepAPIKeys(context.Background(), time.Now()) },
	})
}

// sweepAPIKeys revokes the keys that acceptance tests left behind: description starting with
// tf-acc- and created more than an hour before now. It never touches any other key, and logs each
// key it revokes by description and fingerprint (never its token).
func sweepAPIKeys(ctx context.Context, now time.Time) error {
	s, err := accSettingsFromEnv()
	if err != nil {
		return err
	}
	return withAccSession(ctx, func(session *client.Session) error {
		keys, err := session.ListKeys(ctx)
		if err != nil {
			return fmt.Errorf("list the API keys of %s: %w", s.url, err)
		}
		leftovers := sweepable(keys, now)
		log.Printf("[INFO] circularo_api_key sweeper: %d of the %d API keys at %s are %s keys created more than %s ago",
			len(leftovers), len(keys), s.url, accKeyPrefix, accSweepMinAge)
		var failed []string
		for _, k := range leftovers {
			if err := session.DeleteKey(ctx, k.Value); err != nil {
				log.Printf("[ERROR] could not revoke the API key %q (%s): %v", k.Description, k.Fingerprint(), err)
				failed = append(failed, fmt.Sprintf("%q (%s): %v", k.Description, k.Fingerprint(), err))
				continue
			}
			log.Printf("[INFO] revoked the API key %q (%s), created %s", k.Description, k.Fingerprint(), k.Created.Format(time.RFC3339))
		}
		if len(failed) > 0 {
			return fmt.Errorf("%d of %d leftover keys could not be revoked: %s", len(failed), len(leftovers), strings.Join(failed, "; "))
		}
		return nil
	})
}

// sweepable picks the keys the sweeper revokes: described tf-acc-..., created more than an hour
// before now.
func sweepable(keys []client.APIKey, now time.Time) []client.APIKey {
	var out []client.APIKey
	for _, k := range keys {
		if strings.HasPrefix(k.Description, accKeyPrefix) && now.Sub(k.Created) > accSweepMinAge {
			out = append(out, k)
		}
	}
	return out
}

// The sweeper revokes only keys described tf-acc-... that are more than an hour old.
func TestSweepable_onlyOldAcceptanceTestKeys(t *testing.T) {
	t.Parallel()
	now := clock.Start()
	key := func(description string, age time.Duration) client.APIKey {
		return client.APIKey{Value: description, Description: description, Created: now.Add(-age)}
	}
	keys := []client.APIKey{
		key("tf-acc-leftover", 2*time.Hour),
		key("tf-acc-old", 400*testkit.Day),
		key("tf-acc-recent", 5*time.Minute),
		key("tf-acc-exactly-an-hour", time.Hour),
		key("prod-ci", 400*testkit.Day),
		key("not-tf-acc-leftover", 2*time.Hour),
		key("TF-ACC-upper-case", 2*time.Hour),
		key("tf-accounting", 2*time.Hour),
		key("tf-acc", 2*time.Hour),
		key(" tf-acc-leading-space", 2*time.Hour),
	}
	var got []string
	for _, k := range sweepable(keys, now) {
		got = append(got, k.Description)
	}
	if want := []string{"tf-acc-leftover", "tf-acc-old"}; !slices.Equal(got, want) {
		t.Errorf("the sweeper would revoke %q, want only %q", got, want)
	}
}
