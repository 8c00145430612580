// Command plan-bench measures `terraform plan` with N circularo_api_key resources against the mock
// Circularo API, next to the same plan without a refresh and a plan over N terraform_data resources;
// and `terraform query` listing the N keys, next to a plan whose data source reads them and a query
// that matches none. It prints wall and CPU times, API calls by kind, the provider's peak memory and
// a verdict on each of the benchmark's targets (listed in internal/benchmark/report.go).
//
//	go run ./internal/benchmark/cmd/plan-bench -n 100,1000,5000 -runs 3
//	go run ./internal/benchmark/cmd/plan-bench -n 1000,5000 -query-only
//
// `make bench` runs it through scripts/bench.sh. It needs a terraform CLI (TF_ACC_TERRAFORM_PATH or
// PATH), Terraform 1.14 or later for the queries (-plan-only measures the plans alone with an older
// one) and, for the memory figures, /usr/bin/time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/circularo/terraform-provider-circularo/internal/benchmark"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "plan-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("n", "100,1000,5000", "comma-separated numbers of keys to measure")
	runs := fs.Int("runs", 3, "times each plan runs (the report shows medians)")
	profile := fs.String("profile", "", "directory for CPU and heap profiles of the provider during one more plan at the largest N")
	workDir := fs.String("workdir", "", "keep the Terraform working directories here (default: a temporary directory, removed)")
	queryOnly := fs.Bool("query-only", false, "measure only terraform query and the data-source plan (Terraform 1.14+), not the plans over N resources")
	provider := fs.String("provider", "", "measure this provider binary instead of building this tree (an earlier revision's build, to compare)")
	planOnly := fs.Bool("plan-only", false, "measure only the plans over N resources, not terraform query (for a Terraform older than 1.14)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	ns, err := parseSizes(*sizes)
	if err != nil {
		return err
	}
	if *runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	if *queryOnly && *planOnly {
		return errors.New("-query-only and -plan-only exclude each other: leave both out to measure everything")
	}
	if *queryOnly && *profile != "" {
		return errors.New("-profile profiles a plan over N resources, which -query-only leaves out")
	}
	report, err := benchmark.Run(ctx, benchmark.Options{
		Sizes: ns, Runs: *runs, ProfileDir: *profile, WorkDir: *workDir, Log: stderr,
		SkipPlans: *queryOnly, SkipQueries: *planOnly, Provider: *provider,
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	report.Print(stdout, *runs)
	return nil
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-n: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}
