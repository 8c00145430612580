package benchmark

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// benchGate is the variable that lets the tests which build the provider and run real Terraform run:
// they are the benchmark's own smoke tests, and `make bench` (scripts/bench.sh) runs them with it set.
const benchGate = "CIRCULARO_BENCH"

// requireBench skips t unless CIRCULARO_BENCH=1, so that a plain `go test ./...` stays a unit run;
// the package's pure tests (report, query file, parsing) run without it.
func requireBench(t *testing.T) {
	t.Helper()
	if os.Getenv(benchGate) != "1" {
		t.Skipf("builds the provider and runs real Terraform: set %s=1 to run it (make bench does)", benchGate)
	}
}

// TestRun_smallPlan runs the plan benchmark at N=3 once: the mock, the adoption, the three plans
// and the report, as `make bench` does at full size. The queries are left out, so that it runs with
// every supported CLI (TestRun_smallQuery covers them).
func TestRun_smallPlan(t *testing.T) {
	requireBench(t)
	if _, err := terraformcli.Binary(); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CHECKPOINT_DISABLE", "1")
	report, err := Run(context.Background(), Options{Sizes: []int{3}, Runs: 1, WorkDir: t.TempDir(), SkipQueries: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 1 {
		t.Fatalf("got %d results, want 1", len(report.Results))
	}
	res := report.Results[0]
	// The plan lists once; the apply lists once more, to read the adopted keys' values into the state
	// (store_token defaults to true, and an import never stores a value).
	if err := testkit.CompareSomeCalls(res.AdoptCalls, map[string]int{"list_keys": 2, "create_key": 0, "delete_key": 0}); err != nil {
		t.Errorf("adoption, want two lists and no create or delete: %v", err)
	}
	// The revocation: one DELETE per key, each proven by a list (shared when they overlap).
	if got := res.RevokeCalls; got["delete_key"] != 3 || got["list_keys"] < 2 || got["list_keys"] > 2+3 {
		t.Errorf("revocation calls = %v, want 3 DELETEs, the plan's and the apply's lists, and at most one proof per key", got)
	}
	if err := testkit.CompareSomeCalls(res.Plans[kindRefresh].Calls, map[string]int{"login": 1, "list_keys": 1}); err != nil {
		t.Errorf("plan, want one login and one list: %v", err)
	}
	for _, kind := range []string{kindNoRefresh, kindTerraformData} {
		if got := formatCalls(res.Plans[kind].Calls); got != "none" {
			t.Errorf("%s made API calls: %s", kind, got)
		}
	}
	for kind, m := range res.Plans {
		if len(m.Walls) != 1 || m.Walls[0] <= 0 || m.CPUs[0] <= 0 {
			t.Errorf("%s: walls %v, CPU %v: want one positive measurement each", kind, m.Walls, m.CPUs)
		}
	}
	if report.MemoryMeasured && (res.Plans[kindRefresh].PeakRSSKiB == 0 || res.Plans[kindRefresh].Processes == 0) {
		t.Errorf("/usr/bin/time is present but no provider memory was recorded: %+v", res.Plans[kindRefresh])
	}

	var out strings.Builder
	report.Print(&out, 1)
	for _, want := range []string{"[met] list calls per plan = 1 at every N: N=3: 1", "[met] no per-resource API call in planning"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestReadProviderUsage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage")
	content := "30000 0.50 0.10\nCommand exited with non-zero status 1\n45000 1.25 0.25\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	peak, cpu, procs, err := readProviderUsage(path)
	if err != nil {
		t.Fatal(err)
	}
	if peak != 45000 || procs != 2 || cpu != 2100*time.Millisecond {
		t.Errorf("got peak %d KiB, CPU %s, %d processes; want 45000 KiB, 2.1s, 2", peak, cpu, procs)
	}
	if peak, _, procs, err := readProviderUsage(filepath.Join(t.TempDir(), "missing")); err != nil || peak != 0 || procs != 0 {
		t.Errorf("a missing file: got %d, %d, %v; want nothing measured and no error", peak, procs, err)
	}
}

func TestTargets_missedRatioAndMemory(t *testing.T) {
	calls := map[string]int{"login": 1, "list_keys": 1, "logout": 1}
	report := &Report{MemoryMeasured: true, Results: []Result{{
		N: 1000,
		Plans: map[string]*Measurement{
			kindRefresh:       {Walls: []time.Duration{13 * time.Second}, Calls: calls, PeakRSSKiB: 150 * 1024},
			kindNoRefresh:     {Walls: []time.Duration{10 * time.Second}, Calls: map[string]int{}},
			kindTerraformData: {Walls: []time.Duration{5 * time.Second}, Calls: map[string]int{}},
		},
	}, {
		N: 5000,
		Plans: map[string]*Measurement{
			kindRefresh:       {Walls: []time.Duration{time.Minute}, Calls: map[string]int{"login": 1, "list_keys": 1, "whoami": 5000}, PeakRSSKiB: 600 * 1024},
			kindNoRefresh:     {Walls: []time.Duration{time.Minute}, Calls: map[string]int{}},
			kindTerraformData: {Walls: []time.Duration{time.Minute}, Calls: map[string]int{}},
		},
	}}}
	verdicts := map[string]string{}
	for _, target := range report.Targets() {
		verdicts[target.Name] = target.Verdict
	}
	want := map[string]string{
		"list calls per plan = 1 at every N":                          "met",
		"no per-resource API call in planning":                        "MISSED", // 5000 whoami calls
		"plan within 1.25x of plan -refresh=false at N=1000":          "MISSED", // 1.3x
		"provider peak RSS under 100 MiB at N=5000, growing linearly": "MISSED",
	}
	for name, v := range want {
		if verdicts[name] != v {
			t.Errorf("%s: verdict %q, want %q (all: %v)", name, verdicts[name], v, verdicts)
		}
	}
}

// TestRun_smallQuery runs the query part at N=3 once: terraform query of every key, the data-source
// plan and the query that matches none, each checked for the keys it found, and the report.
func TestRun_smallQuery(t *testing.T) {
	requireBench(t)
	t.Setenv("CHECKPOINT_DISABLE", "1")
	// make test runs this package with the newest Terraform.
	testkit.RequireCLI(t, testkit.ListResources)
	report, err := Run(context.Background(), Options{Sizes: []int{3}, Runs: 1, WorkDir: t.TempDir(), SkipPlans: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 1 {
		t.Fatalf("got %d results, want 1", len(report.Results))
	}
	res := report.Results[0]
	if len(res.Plans) != 0 || res.AdoptCalls != nil {
		t.Errorf("SkipPlans ran plans: %v, adoption calls %v", res.Plans, res.AdoptCalls)
	}
	for _, kind := range []string{kindQueryAll, kindDataSourcePlan, kindQueryNone} {
		m := res.Queries[kind]
		if m == nil {
			t.Errorf("%s: not measured", kind)
			continue
		}
		if got := formatCalls(m.Calls); got != "list_keys=1 login=1 logout=1" {
			t.Errorf("%s calls = %s, want one login, one list and one logout", kind, got)
		}
		if len(m.Walls) != 1 || m.Walls[0] <= 0 || m.CPUs[0] <= 0 {
			t.Errorf("%s: walls %v, CPU %v: want one positive measurement each", kind, m.Walls, m.CPUs)
		}
		if report.MemoryMeasured && (m.PeakRSSKiB == 0 || m.Processes == 0) {
			t.Errorf("%s: /usr/bin/time is present but no provider memory was recorded: %+v", kind, m)
		}
	}

	var out strings.Builder
	report.Print(&out, 1)
	for _, want := range []string{"[met] list calls per query = 1 at every N: N=3: 1", "terraform query listing N keys"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "Terraform plan with N") || strings.Contains(out.String(), "list calls per plan") {
		t.Errorf("the report shows plans that did not run:\n%s", out.String())
	}
}

// TestRun_queriesNeedTerraform1_14 checks that an older CLI gets a clear error before anything is built,
// rather than a failed terraform query halfway through.
func TestRun_queriesNeedTerraform1_14(t *testing.T) {
	dir := t.TempDir()
	cli := filepath.Join(dir, "terraform")
	if err := os.WriteFile(cli, []byte("#!/bin/sh\necho 'Terraform v1.11.4'\necho 'on linux_amd64'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_ACC_TERRAFORM_PATH", cli)
	_, err := Run(context.Background(), Options{Sizes: []int{3}, Runs: 1, WorkDir: dir})
	if err == nil || !strings.Contains(err.Error(), "terraform query needs Terraform 1.14") || !strings.Contains(err.Error(), "-plan-only") {
		t.Errorf("err = %v, want one that asks for Terraform 1.14+ or -plan-only", err)
	}
}

func TestQueryFile_limitAboveTheKeys(t *testing.T) {
	all := queryFile("", 5000)
	for _, want := range []string{`list "circularo_api_key" "bench" {`, "limit    = 5001", "config {}"} {
		if !strings.Contains(all, want) {
			t.Errorf("the query of every key lacks %q:\n%s", want, all)
		}
	}
	if none := queryFile(noMatchRegex, 5000); !strings.Contains(none, `description_regex = "^no-such-key$"`) {
		t.Errorf("the query that matches none lacks its filter:\n%s", none)
	}
}

func TestCountQueryResultsAndPlannedKeys(t *testing.T) {
	query := `
Warning: Provider development overrides are in effect

 - circularo/circularo in /tmp/override
list.circularo_api_key.bench   fingerprint=sha256:fd01a4bab392aea6   legacy-ci (sha256:fd01a4bab392aea6, last used 2026-05-15T20:26:02Z)
list.circularo_api_key.bench   fingerprint=sha256:07d4bc74f6d2ab2f   old-zapier (sha256:07d4bc74f6d2ab2f, never used)
list.circularo_api_key.benchmark   fingerprint=sha256:0000000000000000   another block
`
	if got := countQueryResults(query); got != 2 {
		t.Errorf("countQueryResults = %d, want 2", got)
	}
	plan := "Changes to Outputs:\n  + keys = 5000\n\nYou can apply this plan to save these new output values\n"
	if got, err := countPlannedKeys(plan); err != nil || got != 5000 {
		t.Errorf("countPlannedKeys = %d, %v; want 5000", got, err)
	}
	if _, err := countPlannedKeys("No changes."); err == nil {
		t.Error("countPlannedKeys found keys in a plan without the output")
	}
}

func TestQueryTargets(t *testing.T) {
	one := map[string]int{"login": 1, "list_keys": 1, "logout": 1, "total": 3}
	measured := func(wall time.Duration, calls map[string]int, rssMiB int64) *Measurement {
		return &Measurement{Walls: []time.Duration{wall}, Calls: calls, PeakRSSKiB: rssMiB * 1024}
	}
	tests := map[string]struct {
		queries map[string]*Measurement
		want    map[string]string // target name -> verdict
	}{
		"met": {
			queries: map[string]*Measurement{
				kindQueryAll:       measured(time.Second, one, 40),
				kindDataSourcePlan: measured(1300*time.Millisecond, one, 45),
				kindQueryNone:      measured(300*time.Millisecond, one, 25),
			},
			want: map[string]string{
				"list calls per query = 1 at every N":                              "met",
				"query of every key no slower than the data-source plan at N=5000": "met",
				"provider peak RSS of the query under 100 MiB at N=5000":           "met",
			},
		},
		"missed": {
			queries: map[string]*Measurement{
				kindQueryAll:       measured(2*time.Second, map[string]int{"login": 1, "list_keys": 2, "logout": 1}, 150),
				kindDataSourcePlan: measured(1300*time.Millisecond, one, 45),
				kindQueryNone:      measured(300*time.Millisecond, one, 25),
			},
			want: map[string]string{
				"list calls per query = 1 at every N":                              "MISSED",
				"query of every key no slower than the data-source plan at N=5000": "MISSED",
				"provider peak RSS of the query under 100 MiB at N=5000":           "MISSED",
			},
		},
		"the data-source plan makes a call besides login, list and logout": {
			queries: map[string]*Measurement{
				kindQueryAll:       measured(time.Second, one, 40),
				kindDataSourcePlan: measured(1300*time.Millisecond, map[string]int{"login": 1, "list_keys": 1, "whoami": 1}, 45),
				kindQueryNone:      measured(300*time.Millisecond, one, 25),
			},
			want: map[string]string{"list calls per query = 1 at every N": "MISSED"},
		},
		"the query that matches none makes no list call": {
			queries: map[string]*Measurement{
				kindQueryAll:       measured(time.Second, one, 40),
				kindDataSourcePlan: measured(1300*time.Millisecond, one, 45),
				kindQueryNone:      measured(300*time.Millisecond, map[string]int{"login": 1, "logout": 1}, 25),
			},
			want: map[string]string{"list calls per query = 1 at every N": "MISSED"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			report := &Report{MemoryMeasured: true, Results: []Result{{N: 5000, Plans: map[string]*Measurement{}, Queries: tt.queries}}}
			verdicts := map[string]string{}
			for _, target := range report.Targets() {
				verdicts[target.Name] = target.Verdict
				if strings.Contains(target.Name, "per plan") || strings.Contains(target.Name, "refresh") {
					t.Errorf("a plan target without plans: %+v", target)
				}
			}
			for name, v := range tt.want {
				if verdicts[name] != v {
					t.Errorf("%s: verdict %q, want %q (all: %v)", name, verdicts[name], v, verdicts)
				}
			}
		})
	}
}
