package benchmark

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// The benchmark's targets, which Targets judges (Print shows a verdict on each):
//
//   - One list call per plan that refreshes, and per query, at every N: the provider reads all of a
//     user's keys with one GET /api/key per provider process, however many keys it reads.
//   - No per-resource API call in planning: a plan with a refresh calls login, that one list and
//     logout, nothing else; a plan without a refresh calls nothing.
//   - At N=1000 (targetRatioN), a plan within 1.25x (targetRatio) of the same plan with
//     -refresh=false: refreshing N keys costs at most a quarter more than Terraform and the plugin
//     protocol alone.
//   - At N=5000 (targetRSSN), the provider's peak RSS during the plan under 100 MiB (targetRSSMiB),
//     growing linearly with N.
//   - At N=5000 (targetQueryN), terraform query of every key no slower than a plan whose
//     circularo_api_keys data source reads the same keys, and its provider under 100 MiB too.
const (
	targetRatioN      = 1000 // the size at which the refresh ratio is judged
	targetRatio       = 1.25 // plan with refresh / plan without, at most
	targetRSSN        = 5000 // the size at which memory is judged
	targetRSSMiB      = 100  // provider peak RSS, less than
	targetQueryN      = 5000 // the size at which terraform query is judged against the data-source plan
	routeListKeys     = "list_keys"
	routeLogin        = "login"
	routeLogout       = "logout"
	routeTotalCounter = "total"
)

// Print writes the tables of what was measured and the verdict on every target.
func (r *Report) Print(w io.Writer, runs int) {
	if r.Load != "" {
		fmt.Fprintf(w, "Machine: %s\n\n", r.Load)
	}
	if r.measuredPlans() {
		r.printPlans(w, runs)
	}
	if r.measuredQueries() {
		if r.measuredPlans() {
			fmt.Fprintln(w)
		}
		r.printQueries(w, runs)
	}

	fmt.Fprintf(w, "\nTargets\n\n")
	for _, t := range r.Targets() {
		fmt.Fprintf(w, "  [%s] %s: %s\n", t.Verdict, t.Name, t.Detail)
	}
	if r.Profile != "" {
		fmt.Fprintf(w, "\n%s", r.Profile)
	}
}

// measuredPlans and measuredQueries say which parts ran (the flags -query-only and -plan-only skip one).
func (r *Report) measuredPlans() bool {
	return len(r.Results) > 0 && len(r.Results[0].Plans) > 0
}

func (r *Report) measuredQueries() bool {
	return len(r.Results) > 0 && len(r.Results[0].Queries) > 0
}

func (r *Report) printPlans(w io.Writer, runs int) {
	fmt.Fprintf(w, "Terraform plan with N circularo_api_key resources (%s, median of %d runs)\n\n", r.TerraformVersion, runs)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "N\tplan\tplan -refresh=false\tterraform_data plan\trefresh / no refresh\tcircularo / terraform_data\t(plan - terraform_data) / N\t")
	for _, res := range r.Results {
		refresh, noRefresh, data := res.median(kindRefresh), res.median(kindNoRefresh), res.median(kindTerraformData)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.2fx\t%.2fx\t%s\t\n", res.N, seconds(refresh), seconds(noRefresh), seconds(data),
			ratio(refresh, noRefresh), ratio(refresh, data), perResource(refresh-data, res.N))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nCPU time, user + system (terraform and its provider processes; steadier than wall time on a busy machine)\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "N\tplan\tplan -refresh=false\tterraform_data plan\trefresh / no refresh\tprovider alone: plan\tprovider alone: -refresh=false\t")
	for _, res := range r.Results {
		refresh, noRefresh := res.Plans[kindRefresh], res.Plans[kindNoRefresh]
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.2fx\t%s\t%s\t\n", res.N, seconds(refresh.MedianCPU()), seconds(noRefresh.MedianCPU()),
			seconds(res.Plans[kindTerraformData].MedianCPU()), ratio(refresh.MedianCPU(), noRefresh.MedianCPU()),
			orNA(refresh.ProviderCPUs, refresh.MedianProviderCPU()), orNA(noRefresh.ProviderCPUs, noRefresh.MedianProviderCPU()))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nAPI calls per command (mock counters)\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "N\tplan\tplan -refresh=false\tadoption apply (import blocks)")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", res.N, formatCalls(res.Plans[kindRefresh].Calls),
			formatCalls(res.Plans[kindNoRefresh].Calls), formatCalls(res.AdoptCalls))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nRevoking the N keys in one apply -destroy (one run)\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "N\twall\tper key\tAPI calls")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", res.N, seconds(res.Revoke), perResource(res.Revoke, res.N), formatCalls(res.RevokeCalls))
	}
	tw.Flush()

	if r.MemoryMeasured {
		fmt.Fprintf(w, "\nProvider process peak RSS (the highest of the processes a plan starts)\n\n")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "N\tplan\tplan -refresh=false\tprovider processes per plan\tgrowth since previous N\t")
		for i, res := range r.Results {
			growth := "-"
			if i > 0 {
				prev := r.Results[i-1]
				growth = fmt.Sprintf("%.1f KiB per key", float64(res.Plans[kindRefresh].PeakRSSKiB-prev.Plans[kindRefresh].PeakRSSKiB)/float64(res.N-prev.N))
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t\n", res.N, mib(res.Plans[kindRefresh].PeakRSSKiB),
				mib(res.Plans[kindNoRefresh].PeakRSSKiB), res.Plans[kindRefresh].Processes, growth)
		}
		tw.Flush()
	}
}

func (r *Report) printQueries(w io.Writer, runs int) {
	fmt.Fprintf(w, "terraform query listing N keys, against a plan whose data source reads them and a query that matches none\n"+
		"(the floor: CLI, plugin, login, one list call) (%s, median of %d runs)\n\n", r.TerraformVersion, runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "N\tquery, all keys\tdata source plan\tquery, no match\tquery / data source plan\t(query - no match) / N\t")
	for _, res := range r.Results {
		all, ds, none := res.queryMedian(kindQueryAll), res.queryMedian(kindDataSourcePlan), res.queryMedian(kindQueryNone)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.2fx\t%s\t\n", res.N, seconds(all), seconds(ds), seconds(none), ratio(all, ds), perResource(all-none, res.N))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nCPU time, user + system (terraform and its provider processes)\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "N\tquery, all keys\tdata source plan\tquery, no match\tprovider alone: query\tprovider alone: data source plan\t")
	for _, res := range r.Results {
		all, ds := res.Queries[kindQueryAll], res.Queries[kindDataSourcePlan]
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t\n", res.N, seconds(all.MedianCPU()), seconds(ds.MedianCPU()),
			seconds(res.Queries[kindQueryNone].MedianCPU()), orNA(all.ProviderCPUs, all.MedianProviderCPU()), orNA(ds.ProviderCPUs, ds.MedianProviderCPU()))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nAPI calls per command (mock counters)\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "N\tquery, all keys\tdata source plan\tquery, no match")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", res.N, formatCalls(res.Queries[kindQueryAll].Calls),
			formatCalls(res.Queries[kindDataSourcePlan].Calls), formatCalls(res.Queries[kindQueryNone].Calls))
	}
	tw.Flush()

	if r.MemoryMeasured {
		fmt.Fprintf(w, "\nProvider process peak RSS (the highest of the processes a command starts)\n\n")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "N\tquery, all keys\tdata source plan\tquery, no match\tprovider processes per query\t")
		for _, res := range r.Results {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t\n", res.N, mib(res.Queries[kindQueryAll].PeakRSSKiB),
				mib(res.Queries[kindDataSourcePlan].PeakRSSKiB), mib(res.Queries[kindQueryNone].PeakRSSKiB), res.Queries[kindQueryAll].Processes)
		}
		tw.Flush()
	}
}

// Target is one of the benchmark's targets (see targetRatioN) and whether the measurements meet it.
type Target struct {
	Name    string
	Verdict string // "met", "MISSED", or "not measured"
	Detail  string
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// Targets judges the measurements against the benchmark's targets, those of the parts that ran.
func (r *Report) Targets() []Target {
	var out []Target
	if r.measuredPlans() {
		out = append(out, r.planTargets()...)
	}
	if r.measuredQueries() {
		out = append(out, r.queryTargets()...)
	}
	return out
}

func (r *Report) planTargets() []Target {
	var out []Target

	// One list call per refreshing plan, at every N.
	var lists []string
	listsOK := true
	for _, res := range r.Results {
		n := res.Plans[kindRefresh].Calls[routeListKeys]
		lists = append(lists, fmt.Sprintf("N=%d: %d", res.N, n))
		listsOK = listsOK && n == 1
	}
	out = append(out, Target{"list calls per plan = 1 at every N", verdict(listsOK), strings.Join(lists, ", ")})

	// Planning calls nothing per resource: without a refresh nothing at all, with one only the
	// login, the list and the logout.
	var extra []string
	for _, res := range r.Results {
		if s := formatCalls(res.Plans[kindNoRefresh].Calls); s != "none" {
			extra = append(extra, fmt.Sprintf("N=%d plan -refresh=false: %s", res.N, s))
		}
		others := map[string]int{}
		for route, n := range res.Plans[kindRefresh].Calls {
			switch route {
			case routeListKeys, routeLogin, routeLogout, routeTotalCounter:
			default:
				others[route] = n
			}
		}
		if s := formatCalls(others); s != "none" {
			extra = append(extra, fmt.Sprintf("N=%d plan: %s", res.N, s))
		}
	}
	detail := "no call besides login, one list and logout; none at all without a refresh"
	if len(extra) > 0 {
		detail = strings.Join(extra, "; ")
	}
	out = append(out, Target{"no per-resource API call in planning", verdict(len(extra) == 0), detail})

	// Refresh cost at N=1000.
	ratioTarget := Target{Name: fmt.Sprintf("plan within %.2fx of plan -refresh=false at N=%d", targetRatio, targetRatioN),
		Verdict: "not measured", Detail: fmt.Sprintf("run with N=%d", targetRatioN)}
	for _, res := range r.Results {
		if res.N == targetRatioN {
			q := ratio(res.median(kindRefresh), res.median(kindNoRefresh))
			ratioTarget.Verdict = verdict(q <= targetRatio)
			ratioTarget.Detail = fmt.Sprintf("%.2fx wall (%s vs %s); CPU %.2fx", q, seconds(res.median(kindRefresh)),
				seconds(res.median(kindNoRefresh)), ratio(res.Plans[kindRefresh].MedianCPU(), res.Plans[kindNoRefresh].MedianCPU()))
		}
	}
	out = append(out, ratioTarget)

	// Memory at N=5000.
	memTarget := Target{Name: fmt.Sprintf("provider peak RSS under %d MiB at N=%d, growing linearly", targetRSSMiB, targetRSSN),
		Verdict: "not measured", Detail: fmt.Sprintf("run with N=%d and /usr/bin/time installed", targetRSSN)}
	if r.MemoryMeasured {
		var parts []string
		for _, res := range r.Results {
			parts = append(parts, fmt.Sprintf("N=%d: %s", res.N, mib(res.Plans[kindRefresh].PeakRSSKiB)))
			if res.N == targetRSSN {
				memTarget.Verdict = verdict(float64(res.Plans[kindRefresh].PeakRSSKiB)/1024 < targetRSSMiB)
			}
		}
		if memTarget.Verdict != "not measured" {
			memTarget.Detail = strings.Join(parts, ", ")
		}
	}
	out = append(out, memTarget)
	return out
}

// queryTargets: one list call per query at every N, and at N=5000 the query of every key no slower
// than the data-source plan and its provider under 100 MiB.
func (r *Report) queryTargets() []Target {
	var out []Target

	// Each command logs in, lists once and logs out, whatever it finds; nothing else.
	var lists, extra []string
	for _, res := range r.Results {
		lists = append(lists, fmt.Sprintf("N=%d: %d", res.N, res.Queries[kindQueryAll].Calls[routeListKeys]))
		for _, kind := range []string{kindQueryAll, kindDataSourcePlan, kindQueryNone} {
			if calls := res.Queries[kind].Calls; !oneListOnly(calls) {
				extra = append(extra, fmt.Sprintf("N=%d %s: %s", res.N, kind, formatCalls(calls)))
			}
		}
	}
	detail := strings.Join(lists, ", ") + "; the data-source plan and the query that matches none make one too, and no other call besides login and logout"
	if len(extra) > 0 {
		detail = strings.Join(lists, ", ") + "; " + strings.Join(extra, "; ")
	}
	out = append(out, Target{"list calls per query = 1 at every N", verdict(len(extra) == 0), detail})

	timeTarget := Target{Name: fmt.Sprintf("query of every key no slower than the data-source plan at N=%d", targetQueryN),
		Verdict: "not measured", Detail: fmt.Sprintf("run with N=%d", targetQueryN)}
	memTarget := Target{Name: fmt.Sprintf("provider peak RSS of the query under %d MiB at N=%d", targetRSSMiB, targetQueryN),
		Verdict: "not measured", Detail: fmt.Sprintf("run with N=%d and /usr/bin/time installed", targetQueryN)}
	for _, res := range r.Results {
		if res.N != targetQueryN {
			continue
		}
		all, ds, none := res.queryMedian(kindQueryAll), res.queryMedian(kindDataSourcePlan), res.queryMedian(kindQueryNone)
		timeTarget.Verdict = verdict(all <= ds)
		timeTarget.Detail = fmt.Sprintf("%s vs %s (%.2fx wall, %.2fx CPU; floor: query that matches none %s)", seconds(all), seconds(ds),
			ratio(all, ds), ratio(res.Queries[kindQueryAll].MedianCPU(), res.Queries[kindDataSourcePlan].MedianCPU()), seconds(none))
		if r.MemoryMeasured {
			peak := res.Queries[kindQueryAll].PeakRSSKiB
			memTarget.Verdict = verdict(peak > 0 && float64(peak)/1024 < targetRSSMiB)
			memTarget.Detail = fmt.Sprintf("%s (data-source plan: %s)", mib(peak), mib(res.Queries[kindDataSourcePlan].PeakRSSKiB))
		}
	}
	return append(out, timeTarget, memTarget)
}

func (res Result) median(kind string) time.Duration {
	if m := res.Plans[kind]; m != nil {
		return m.Median()
	}
	return 0
}

// oneListOnly says whether calls are one list call plus logins and logouts, and nothing else.
func oneListOnly(calls map[string]int) bool {
	for route, n := range calls {
		switch route {
		case routeLogin, routeLogout, routeTotalCounter:
		case routeListKeys:
			if n != 1 {
				return false
			}
		default:
			if n > 0 {
				return false
			}
		}
	}
	return calls[routeListKeys] == 1
}

func (res Result) queryMedian(kind string) time.Duration {
	if m := res.Queries[kind]; m != nil {
		return m.Median()
	}
	return 0
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func orNA(samples []time.Duration, d time.Duration) string {
	if len(samples) == 0 {
		return "n/a"
	}
	return seconds(d)
}

func perResource(d time.Duration, n int) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)/float64(n))
}

func mib(kib int64) string {
	if kib == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(kib)/1024)
}
