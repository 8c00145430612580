package benchmark

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
)

// queriesSupported says why the CLI in use cannot run `terraform query`, which came with Terraform 1.14.
func queriesSupported(ctx context.Context) error {
	bin, v, err := terraformcli.InUse(ctx)
	if err != nil {
		return err
	}
	if !v.TerraformAtLeast(1, 14) {
		return fmt.Errorf("terraform query needs Terraform 1.14 or later, and %s is %s: run scripts/bench.sh "+
			"(it uses scripts/ensure-cli.sh terraform, the newest supported Terraform), or measure the plans alone (-plan-only)", bin, v)
	}
	return nil
}

// providerConfig is the whole main.tf of a query directory: the provider and nothing else.
const providerConfig = `terraform {
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}

provider "circularo" {}
`

// queryAddress is the list block of queryFile; every result line of `terraform query` starts with it.
const queryAddress = "list.circularo_api_key.bench"

// noMatchRegex matches none of the seeded descriptions ("bench integration 00042").
const noMatchRegex = "^no-such-key$"

// queryFile is main.tfquery.hcl: one list block over the keys whose description matches
// descriptionRegex ("" for every key). Terraform asks the provider for at most `limit` results (100
// when unset) and stops reading the result stream there, so the limit is one more than the n keys:
// a count of n results then proves that the query listed every key.
func queryFile(descriptionRegex string, n int) string {
	filter := ""
	if descriptionRegex != "" {
		filter = fmt.Sprintf("\n    description_regex = %q\n  ", descriptionRegex)
	}
	return fmt.Sprintf(`list "circularo_api_key" "bench" {
  provider = circularo
  limit    = %d
  config {%s}
}
`, n+1, filter)
}

// dataSourceConfig reads every key with the data source, as a configuration does that lists keys
// without terraform query; the output makes the plan print how many it read.
const dataSourceConfig = providerConfig + `
data "circularo_api_keys" "all" {}

output "keys" {
  value = length(data.circularo_api_keys.all.api_keys)
}
`

// countQueryResults counts the result lines of a `terraform query -no-color` output: one per key
// found, "list.circularo_api_key.bench   fingerprint=sha256:...   <display name>".
func countQueryResults(out string) int {
	n := 0
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, queryAddress+" ") {
			n++
		}
	}
	return n
}

var plannedKeysOutput = regexp.MustCompile(`(?m)^\s*\+ keys\s*=\s*(\d+)\s*$`)

// countPlannedKeys reads how many keys the data source read from the plan's "Changes to Outputs".
func countPlannedKeys(out string) (int, error) {
	m := plannedKeysOutput.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("the plan shows no output keys = <number>:\n%s", out)
	}
	return strconv.Atoi(m[1])
}

// measureQueries measures, interleaved run by run: terraform query listing all N keys, a plan whose
// data source reads them, and a query that matches none (the same login and list call, no results).
// Each must see the number of keys it should, or the figures would measure something else.
func (s *sizeEnv) measureQueries(ctx context.Context, runs int, res *Result, logf func(string, ...any)) error {
	type command struct {
		kind  string
		dir   string
		files map[string]string
		args  []string
		want  int // keys found
		count func(out string) (int, error)
		wd    *terraformcli.Workdir
	}
	countResults := func(out string) (int, error) { return countQueryResults(out), nil }
	commands := []*command{
		{kind: kindQueryAll, dir: "query-all", args: []string{"query", "-no-color"}, want: s.n, count: countResults,
			files: map[string]string{"main.tf": providerConfig, "main.tfquery.hcl": queryFile("", s.n)}},
		// No state, as a configuration that only lists keys has; the plan changes nothing but its output.
		{kind: kindDataSourcePlan, dir: "data-source", args: []string{"plan", "-input=false", "-no-color"}, want: s.n, count: countPlannedKeys,
			files: map[string]string{"main.tf": dataSourceConfig}},
		{kind: kindQueryNone, dir: "query-none", args: []string{"query", "-no-color"}, want: 0, count: countResults,
			files: map[string]string{"main.tf": providerConfig, "main.tfquery.hcl": queryFile(noMatchRegex, s.n)}},
	}
	for _, c := range commands {
		wd, err := s.workdir(c.dir)
		if err != nil {
			return err
		}
		for name, content := range c.files {
			if err := os.WriteFile(filepath.Join(wd.Dir, name), []byte(content), 0o600); err != nil {
				return err
			}
		}
		c.wd = wd
		res.Queries[c.kind] = &Measurement{Calls: map[string]int{}}
	}
	// Runs interleave the kinds, so that a slow moment of a shared machine does not hit one kind only.
	for run := 1; run <= runs; run++ {
		for _, c := range commands {
			r, out, err := s.command(ctx, c.wd, c.args...)
			if err != nil {
				return fmt.Errorf("terraform %s (%s): %v\n%s", strings.Join(c.args, " "), c.kind, err, out)
			}
			got, err := c.count(out)
			if err != nil {
				return fmt.Errorf("%s: %w", c.kind, err)
			}
			if got != c.want {
				return fmt.Errorf("%s found %d keys, want %d:\n%s", c.kind, got, c.want, out)
			}
			logf("N=%d run %d/%d: %-20s %8s wall, %8s CPU  calls %v", s.n, run, runs, c.kind,
				r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), formatCalls(r.calls))
			res.Queries[c.kind].add(r)
		}
	}
	return nil
}
