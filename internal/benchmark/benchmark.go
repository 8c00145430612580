// Package benchmark measures what `terraform plan` costs with N circularo_api_key resources, against
// the floor this provider can reach: the same plan without a refresh (Terraform and the plugin
// protocol without any API work) and, for context, a plan over N terraform_data resources (Terraform
// without any plugin). It also measures `terraform query` (Terraform 1.14+) listing the same N keys
// with the circularo_api_key list resource, next to a plan whose circularo_api_keys data source reads
// them and a query that matches no key (the floor of a query: CLI, plugin, login and one list call).
// The Circularo API is the mock server, run in this process, so its counters tell exactly which calls
// each command made.
package benchmark

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
)

// The mock's account that owns the benchmark's keys.
const (
	benchUser     = "bench"
	benchPassword = "bench-password-1"
)

// Environment variables that the provider wrapper reads (see writeWrapper).
const (
	envRSSFile     = "CIRCULARO_BENCH_RSS_FILE"
	envProvider    = "CIRCULARO_BENCH_PROVIDER"
	envProfileDir  = "CIRCULARO_BENCH_PROFILE_DIR"
	profiledBinary = "terraform-provider-circularo-profiled"
)

// Options say what to measure.
type Options struct {
	Sizes      []int     // numbers of keys, such as 100, 1000, 5000
	Runs       int       // times each plan runs; the report shows medians
	ProfileDir string    // when set, one more plan at the largest size runs a profiled provider build that writes CPU and heap profiles here
	WorkDir    string    // where the Terraform working directories go; empty: a temporary directory, removed at the end
	Log        io.Writer // progress; nil: none
	// SkipPlans leaves out the plans over N resources (and their adoption apply): only the queries run.
	SkipPlans bool
	// SkipQueries leaves out terraform query and the data-source plan, which need Terraform 1.14+.
	SkipQueries bool
	// Provider is a provider binary to measure instead of one built from this tree, such as a build
	// of an earlier revision, to compare before and after a change.
	Provider string
}

// Plan kinds, in the order they run and print.
const (
	kindRefresh       = "plan"
	kindNoRefresh     = "plan -refresh=false"
	kindTerraformData = "terraform_data plan"
)

// Query kinds, in the order they run and print: the query that lists every key, the data-source plan
// that reads them all, and the query that matches none.
const (
	kindQueryAll       = "query, all keys"
	kindDataSourcePlan = "data source plan"
	kindQueryNone      = "query, no match"
)

// Measurement is one kind of command (a plan or a query) at one size, over all runs.
type Measurement struct {
	Walls []time.Duration
	// CPUs are the CPU times (user + system) of terraform and every provider process, per run:
	// steadier than wall times on a busy machine.
	CPUs []time.Duration
	// ProviderCPUs are the CPU times of the provider processes alone, per run; empty when unknown.
	ProviderCPUs []time.Duration
	// Calls holds, per route, the most calls any run made (the runs agree unless something is wrong).
	Calls map[string]int
	// PeakRSSKiB is the highest peak RSS of any provider process of any run; 0 when unknown.
	PeakRSSKiB int64
	// Processes is how many provider processes one plan started (the most of any run).
	Processes int
}

// Median is the median wall time.
func (m Measurement) Median() time.Duration { return median(m.Walls) }

// MedianCPU is the median CPU time of terraform and the provider.
func (m Measurement) MedianCPU() time.Duration { return median(m.CPUs) }

// MedianProviderCPU is the median CPU time of the provider processes.
func (m Measurement) MedianProviderCPU() time.Duration { return median(m.ProviderCPUs) }

func (m *Measurement) add(r cliRun) {
	m.Walls = append(m.Walls, r.wall)
	m.CPUs = append(m.CPUs, r.cpu)
	if r.processes > 0 {
		m.ProviderCPUs = append(m.ProviderCPUs, r.providerCPU)
	}
	for route, c := range r.calls {
		m.Calls[route] = max(m.Calls[route], c)
	}
	m.PeakRSSKiB = max(m.PeakRSSKiB, r.peakRSSKiB)
	m.Processes = max(m.Processes, r.processes)
}

// Result is everything measured at one size.
type Result struct {
	N     int
	Adopt time.Duration // the apply that imports the N keys into the state
	// AdoptCalls are the API calls of that apply.
	AdoptCalls map[string]int
	// Revoke is the apply -destroy that revokes the N adopted keys, after the plans; RevokeCalls its API calls.
	Revoke      time.Duration
	RevokeCalls map[string]int
	Plans       map[string]*Measurement // by kind; empty when the plans were skipped
	// Queries are terraform query and the data-source plan, by kind; empty when they were skipped.
	Queries map[string]*Measurement
	Profile string // the profile summary, when this size was profiled
}

// Report is the whole benchmark: the results by size and what they ran on.
type Report struct {
	Results          []Result
	TerraformVersion string
	MemoryMeasured   bool // false when /usr/bin/time is missing
	// Load is the machine's load average at the start and at the end: figures from a busy machine are
	// slower than the code's own, and the report says so.
	Load    string
	Profile string // a summary of the provider's CPU profile, when one was taken
}

// Run measures every size in turn.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Runs < 1 {
		opts.Runs = 1
	}
	if len(opts.Sizes) == 0 {
		return nil, errors.New("no sizes to measure")
	}
	if opts.SkipPlans && opts.SkipQueries {
		return nil, errors.New("nothing to measure: both the plans and the queries are skipped")
	}
	if opts.SkipPlans && opts.ProfileDir != "" {
		return nil, errors.New("profiles are taken during a plan over N resources, which SkipPlans leaves out")
	}
	if !opts.SkipQueries {
		if err := queriesSupported(ctx); err != nil {
			return nil, err
		}
	}
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, "plan-bench: "+format+"\n", args...)
		}
	}
	root := opts.WorkDir
	if root == "" {
		dir, err := newScratchDir()
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		root = dir
	}

	logf("building the provider")
	env, err := newBenchEnv(ctx, root, opts.ProfileDir != "", opts.Provider)
	if err != nil {
		return nil, err
	}
	report := &Report{TerraformVersion: env.terraformVersion(ctx), MemoryMeasured: env.timeBinary != ""}
	if !report.MemoryMeasured {
		logf("/usr/bin/time not found: the provider's memory is not measured (Debian/Ubuntu: apt-get install time)")
	}
	startLoad := loadAverage()
	defer func() {
		report.Load = fmt.Sprintf("1-minute load average %s at the start, %s at the end, on %d CPUs", startLoad, loadAverage(), runtime.NumCPU())
	}()
	largest := slices.Max(opts.Sizes)
	for _, n := range opts.Sizes {
		logf("N=%d: 1-minute load average %s on %d CPUs", n, loadAverage(), runtime.NumCPU())
		profileDir := ""
		if n == largest {
			profileDir = opts.ProfileDir
		}
		res, err := env.measure(ctx, n, opts, profileDir, logf)
		if err != nil {
			return report, fmt.Errorf("at N=%d: %w", n, err)
		}
		report.Results = append(report.Results, *res)
		if res.Profile != "" {
			report.Profile = res.Profile
		}
	}
	return report, nil
}

// loadAverage is the first figure of /proc/loadavg (Linux), or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

// newScratchDir makes the working directory in the user's cache, beside the CLIs that
// scripts/ensure-cli.sh caches: a run at N=5000 takes long enough for a /tmp cleaner to strike.
func newScratchDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	base = filepath.Join(base, "terraform-provider-circularo")
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(base, "plan-bench-")
}

// benchEnv is the provider build, its wrapper and the CLI, shared by every size.
type benchEnv struct {
	root        string
	provider    string // the real binary
	profiled    string // the profiled build, when profiling
	overrideDir string // holds the wrapper named terraform-provider-circularo
	timeBinary  string // /usr/bin/time, or "" when missing
}

func newBenchEnv(ctx context.Context, root string, withProfiledBuild bool, provider string) (*benchEnv, error) {
	e := &benchEnv{root: root, overrideDir: filepath.Join(root, "override")}
	buildDir := filepath.Join(root, "build")
	for _, d := range []string{buildDir, e.overrideDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	bin, err := provider, error(nil)
	if bin == "" {
		bin, err = terraformcli.BuildProvider(ctx, buildDir)
	} else {
		bin, err = filepath.Abs(bin)
	}
	if err != nil {
		return nil, err
	}
	e.provider = bin
	if withProfiledBuild {
		if e.profiled, err = buildProfiled(ctx, buildDir); err != nil {
			return nil, err
		}
	}
	if p, err := exec.LookPath("/usr/bin/time"); err == nil {
		e.timeBinary = p
	}
	if err := e.writeWrapper(); err != nil {
		return nil, err
	}
	return e, nil
}

// writeWrapper puts a script named like the provider in the dev_overrides directory. It runs the real
// provider (or the one CIRCULARO_BENCH_PROVIDER names, to compare another build) under /usr/bin/time,
// which appends the process's peak RSS and CPU time to CIRCULARO_BENCH_RSS_FILE: one line per provider
// process, however many processes Terraform starts during a plan.
func (e *benchEnv) writeWrapper() error {
	script := fmt.Sprintf(`#!/bin/sh
# Written by the circularo plan benchmark.
provider=${%[1]s:-%[2]s}
if [ -n "${%[3]s:-}" ] && [ -n %[4]s ]; then
  exec %[4]s -a -o "$%[3]s" -f '%[5]s' "$provider" "$@"
fi
exec "$provider" "$@"
`, envProvider, shellQuote(e.provider), envRSSFile, shellQuote(e.timeBinary), wrapperFormat)
	return os.WriteFile(filepath.Join(e.overrideDir, "terraform-provider-circularo"), []byte(script), 0o755)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func buildProfiled(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, profiledBinary)
	if err := terraformcli.Build(ctx, "./internal/benchmark/cmd/profiled-provider", out); err != nil {
		return "", fmt.Errorf("the profiled provider: %w", err)
	}
	return out, nil
}

// terraformVersion is the CLI's product and version for the report, such as "Terraform v1.15.0".
func (e *benchEnv) terraformVersion(ctx context.Context) string {
	_, v, err := terraformcli.InUse(ctx)
	if err != nil {
		return "unknown"
	}
	return v.String()
}

// sizeEnv is one size: a mock holding N keys and the working directories of what is measured.
type sizeEnv struct {
	*benchEnv
	n         int
	url       string
	mock      *mockserver.Server
	keys      map[string]string     // fingerprint -> description, as seeded
	circularo *terraformcli.Workdir // N circularo_api_key resources
	builtin   *terraformcli.Workdir // terraform_data only
	rssFile   string
}

func (e *benchEnv) newSize(n int, url string, mock *mockserver.Server) (*sizeEnv, error) {
	dir := filepath.Join(e.root, fmt.Sprintf("n%d", n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &sizeEnv{benchEnv: e, n: n, url: url, mock: mock, keys: seedKeys(mock, n), rssFile: filepath.Join(dir, "provider-rss.txt")}, nil
}

// workdir makes the working directory sub of this size, whose provider logs in to the mock as the
// bench user and records its usage in the size's RSS file.
func (s *sizeEnv) workdir(sub string) (*terraformcli.Workdir, error) {
	dir := filepath.Join(filepath.Dir(s.rssFile), sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	w, err := terraformcli.NewWorkdir(dir, s.overrideDir)
	if err != nil {
		return nil, err
	}
	w.Env = []string{
		"CIRCULARO_URL=" + s.url,
		"CIRCULARO_USERNAME=" + benchUser,
		"CIRCULARO_PASSWORD=" + benchPassword,
		"CIRCULARO_TOKEN=", // a developer's token would conflict with the login
		"CIRCULARO_API_PATH=",
		"CIRCULARO_TENANT=",
		"CIRCULARO_TOTP_SECRET=",
		"TF_LOG=",
		envRSSFile + "=" + s.rssFile,
	}
	return w, nil
}

// newPlanWorkdirs makes the two directories of the plans over N resources, each with keys.json, which
// their for_each iterates over.
func (s *sizeEnv) newPlanWorkdirs() error {
	keys, err := json.Marshal(s.keys)
	if err != nil {
		return err
	}
	for sub, wd := range map[string]**terraformcli.Workdir{"circularo": &s.circularo, "terraform_data": &s.builtin} {
		w, err := s.workdir(sub)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(w.Dir, "keys.json"), keys, 0o600); err != nil {
			return err
		}
		*wd = w
	}
	return nil
}

// seedKeys gives the bench user n keys of varied age and use, and returns fingerprint -> description,
// which the configurations iterate over.
func seedKeys(mock *mockserver.Server, n int) map[string]string {
	now := time.Now().UTC()
	out := make(map[string]string, n)
	for i := range n {
		k := mockserver.Key{
			Description: fmt.Sprintf("bench integration %05d", i),
			Created:     now.Add(-time.Duration(i+1) * time.Hour),
		}
		if i%2 == 0 {
			used := now.Add(-time.Duration(i%500) * time.Hour)
			k.LastUsed = &used
		}
		stored := mock.AddKey(benchUser, k)
		out[client.Fingerprint(stored.Value)] = stored.Description
	}
	return out
}

const terraformBlock = `terraform {
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}

locals {
  keys = jsondecode(file("${path.module}/keys.json")) # fingerprint => description
}
`

// circularoConfig declares one circularo_api_key per key; withImports adopts them by fingerprint.
func circularoConfig(withImports bool) string {
	config := terraformBlock + `
provider "circularo" {}

resource "circularo_api_key" "bench" {
  for_each    = local.keys
  description = each.value
}
`
	if withImports {
		config += `
import {
  for_each = local.keys
  to       = circularo_api_key.bench[each.key]
  id       = each.key
}
`
	}
	return config
}

// terraformDataConfig is the same for_each over terraform_data: Terraform without a plugin.
const terraformDataConfig = `locals {
  keys = jsondecode(file("${path.module}/keys.json"))
}

resource "terraform_data" "bench" {
  for_each = local.keys
  input    = each.value
}
`

func (e *benchEnv) measure(ctx context.Context, n int, opts Options, profileDir string, logf func(string, ...any)) (*Result, error) {
	mock := mockserver.New(mockserver.Options{})
	mock.AddUser(mockserver.User{Name: benchUser, Password: benchPassword})
	srv := httptest.NewServer(mock) // listens on 127.0.0.1
	defer srv.Close()

	s, err := e.newSize(n, srv.URL, mock)
	if err != nil {
		return nil, err
	}
	res := &Result{N: n, Plans: map[string]*Measurement{}, Queries: map[string]*Measurement{}}
	// The queries first: they need no state, and give their figures before the long plans start.
	if !opts.SkipQueries {
		if err := s.measureQueries(ctx, opts.Runs, res, logf); err != nil {
			return nil, err
		}
	}
	if !opts.SkipPlans {
		if err := s.measurePlans(ctx, opts.Runs, profileDir, res, logf); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// measurePlans adopts the N keys into a state and measures the three plans over N resources.
func (s *sizeEnv) measurePlans(ctx context.Context, runs int, profileDir string, res *Result, logf func(string, ...any)) error {
	n, mock := s.n, s.mock
	if err := s.newPlanWorkdirs(); err != nil {
		return err
	}
	logf("N=%d: adopting %d keys into the state (import blocks)", n, n)
	if err := s.circularo.WriteConfig(circularoConfig(true)); err != nil {
		return err
	}
	mock.ResetCounts()
	start := time.Now()
	if _, err := s.circularo.Run(ctx, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
		return err
	}
	res.Adopt = time.Since(start)
	res.AdoptCalls = mock.Counts()
	if res.AdoptCalls["create_key"] != 0 || res.AdoptCalls["delete_key"] != 0 {
		return fmt.Errorf("adopting the keys created or deleted some: %v", res.AdoptCalls)
	}
	// The measured plans run without the import blocks, as a configuration does once keys are adopted.
	if err := s.circularo.WriteConfig(circularoConfig(false)); err != nil {
		return err
	}
	logf("N=%d: applying %d terraform_data resources", n, n)
	if err := s.builtin.WriteConfig(terraformDataConfig); err != nil {
		return err
	}
	if _, err := s.builtin.Run(ctx, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
		return err
	}

	plans := []struct {
		kind string
		wd   *terraformcli.Workdir
		args []string
	}{
		{kindRefresh, s.circularo, nil},
		{kindNoRefresh, s.circularo, []string{"-refresh=false"}},
		{kindTerraformData, s.builtin, nil},
	}
	for _, p := range plans {
		res.Plans[p.kind] = &Measurement{Calls: map[string]int{}}
	}
	// Runs interleave the kinds, so that a slow moment of a shared machine does not hit one kind only.
	for run := 1; run <= runs; run++ {
		for _, p := range plans {
			r, err := s.plan(ctx, p.wd, p.args...)
			if err != nil {
				return err
			}
			logf("N=%d run %d/%d: %-20s %8s wall, %8s CPU  calls %v", n, run, runs, p.kind,
				r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), formatCalls(r.calls))
			res.Plans[p.kind].add(r)
		}
	}
	if profileDir != "" {
		logf("N=%d: profiling the provider during one more plan", n)
		var err error
		if res.Profile, err = s.profile(ctx, profileDir); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
	}
	return s.measureRevocation(ctx, res, logf)
}

// measureRevocation revokes the N adopted keys in one apply -destroy (Terraform's default
// -parallelism of 10), and checks that none is left: every revocation is proven by a list.
func (s *sizeEnv) measureRevocation(ctx context.Context, res *Result, logf func(string, ...any)) error {
	logf("N=%d: revoking the %d keys (apply -destroy)", s.n, s.n)
	s.mock.ResetCounts()
	start := time.Now()
	if _, err := s.circularo.Run(ctx, "apply", "-destroy", "-auto-approve", "-input=false", "-no-color"); err != nil {
		return err
	}
	res.Revoke = time.Since(start)
	res.RevokeCalls = s.mock.Counts()
	if left := len(s.mock.Keys(benchUser)); left != 0 {
		return fmt.Errorf("the apply -destroy left %d of the %d keys", left, s.n)
	}
	logf("N=%d: revoked in %s, calls %v", s.n, res.Revoke.Round(time.Millisecond), formatCalls(res.RevokeCalls))
	return nil
}

// profile runs one plan with the profiled build, which writes a CPU and a heap profile per provider
// process into dir, and summarizes the profiles of the process that did the most work.
func (s *sizeEnv) profile(ctx context.Context, dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	before, _ := filepath.Glob(filepath.Join(dir, "cpu-*.pprof"))
	saved := s.circularo.Env
	s.circularo.Env = append(slices.Clone(saved), envProvider+"="+s.profiled, envProfileDir+"="+dir)
	defer func() { s.circularo.Env = saved }()
	if _, err := s.plan(ctx, s.circularo); err != nil {
		return "", err
	}
	after, _ := filepath.Glob(filepath.Join(dir, "cpu-*.pprof"))
	var cpu string
	var size int64 = -1
	for _, f := range after {
		if slices.Contains(before, f) {
			continue
		}
		if st, err := os.Stat(f); err == nil && st.Size() > size {
			cpu, size = f, st.Size()
		}
	}
	if cpu == "" {
		return "", errors.New("the profiled provider wrote no CPU profile")
	}
	heap := strings.Replace(cpu, "cpu-", "heap-", 1)
	var summary strings.Builder
	fmt.Fprintf(&summary, "Provider profiles of a plan at N=%d: %s, %s\n", s.n, cpu, heap)
	for _, view := range []struct {
		title, profile string
		args           []string
	}{
		{"CPU, top functions by cumulative time", cpu, []string{"-top", "-cum", "-nodecount=25"}},
		{"Allocations, top functions by bytes allocated", heap, []string{"-top", "-sample_index=alloc_space", "-nodecount=15"}},
	} {
		cmd := exec.CommandContext(ctx, "go", append(append([]string{"tool", "pprof"}, view.args...), s.profiled, view.profile)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("go tool pprof: %v\n%s", err, out)
		}
		fmt.Fprintf(&summary, "\n%s:\n%s", view.title, out)
	}
	return summary.String(), nil
}

// cliRun is what one CLI command cost.
type cliRun struct {
	wall        time.Duration
	cpu         time.Duration // terraform and the provider processes it started and waited for
	providerCPU time.Duration // the provider processes alone
	calls       map[string]int
	peakRSSKiB  int64 // the highest of the provider processes
	processes   int   // provider processes started
}

// plan runs one `terraform plan`, which must find no changes, and measures it.
func (s *sizeEnv) plan(ctx context.Context, wd *terraformcli.Workdir, args ...string) (cliRun, error) {
	// -detailed-exitcode: a plan with changes exits 2.
	r, out, err := s.command(ctx, wd, append([]string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, args...)...)
	if err != nil {
		return r, fmt.Errorf("terraform plan %s (which must find no changes): %v\n%s", strings.Join(args, " "), err, out)
	}
	return r, nil
}

// command runs the CLI once in wd with args, measures it and returns its combined output.
func (s *sizeEnv) command(ctx context.Context, wd *terraformcli.Workdir, args ...string) (cliRun, string, error) {
	if err := os.Remove(s.rssFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return cliRun{}, "", err
	}
	s.mock.ResetCounts()
	cmd := wd.Command(ctx, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := cliRun{wall: time.Since(start), calls: s.mock.Counts()}
	if err != nil {
		return r, out.String(), err
	}
	// A waited-for process's usage includes the children it waited for: here, the providers.
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.peakRSSKiB, r.providerCPU, r.processes, err = readProviderUsage(s.rssFile)
	if err != nil {
		return r, out.String(), fmt.Errorf("reading the provider's usage: %w", err)
	}
	return r, out.String(), nil
}

// wrapperFormat is what /usr/bin/time writes per provider process: peak RSS in KiB, then user and
// system CPU seconds.
const wrapperFormat = "%M %U %S"

// readProviderUsage reads the wrapper's file, one line per provider process, and returns the highest
// peak RSS, the total CPU time and the number of processes. /usr/bin/time also writes lines such as
// "Command exited with non-zero status 1": only lines of three numbers count.
func readProviderUsage(path string) (peakKiB int64, cpu time.Duration, processes int, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, 0, nil
	}
	if err != nil {
		return 0, 0, 0, err
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		kib, err1 := strconv.ParseInt(f[0], 10, 64)
		user, err2 := strconv.ParseFloat(f[1], 64)
		sys, err3 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		processes++
		peakKiB = max(peakKiB, kib)
		cpu += time.Duration((user + sys) * float64(time.Second))
	}
	return peakKiB, cpu, processes, nil
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// formatCalls prints counters as "list_keys=1 login=1", without the total and zeros; "none" if empty.
func formatCalls(calls map[string]int) string {
	type rc struct {
		route string
		n     int
	}
	var list []rc
	for route, n := range calls {
		if route != "total" && n > 0 {
			list = append(list, rc{route, n})
		}
	}
	if len(list) == 0 {
		return "none"
	}
	slices.SortFunc(list, func(a, b rc) int { return cmp.Compare(a.route, b.route) })
	parts := make([]string, len(list))
	for i, c := range list {
		parts[i] = fmt.Sprintf("%s=%d", c.route, c.n)
	}
	return strings.Join(parts, " ")
}
