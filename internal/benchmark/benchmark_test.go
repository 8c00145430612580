package benchmark

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
)

// TestRun_smallPlan runs the whole benchmark at N=3 once: the mock, the adoption, the three plans
// and the report, as `make bench` does at full size.
func TestRun_smallPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the provider and runs terraform")
	}
	if _, err := terraformcli.Binary(); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CHECKPOINT_DISABLE", "1")
	report, err := Run(context.Background(), Options{Sizes: []int{3}, Runs: 1, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 1 {
		t.Fatalf("got %d results, want 1", len(report.Results))
	}
	res := report.Results[0]
	if res.AdoptCalls["create_key"] != 0 || res.AdoptCalls["list_keys"] != 1 {
		t.Errorf("adoption calls = %v, want one list and no create", res.AdoptCalls)
	}
	if got := res.Plans[kindRefresh].Calls; got["list_keys"] != 1 || got["login"] != 1 {
		t.Errorf("plan calls = %v, want one login and one list", got)
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
