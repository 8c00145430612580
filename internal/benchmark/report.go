package benchmark

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// The targets.
const (
	targetRatioN      = 1000 // the size at which the refresh ratio is judged
	targetRatio       = 1.25 // plan with refresh / plan without, at most
	targetRSSN        = 5000 // the size at which memory is judged
	targetRSSMiB      = 100  // provider peak RSS, less than
	routeListKeys     = "list_keys"
	routeLogin        = "login"
	routeLogout       = "logout"
	routeTotalCounter = "total"
)

// Print writes the tables and the verdict on every target.
func (r *Report) Print(w io.Writer, runs int) {
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

	fmt.Fprintf(w, "\nTargets\n\n")
	for _, t := range r.Targets() {
		fmt.Fprintf(w, "  [%s] %s: %s\n", t.Verdict, t.Name, t.Detail)
	}
	if r.Profile != "" {
		fmt.Fprintf(w, "\n%s", r.Profile)
	}
}

// Target is one of the targets and whether the measurements meet it.
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

// Targets judges the measurements against the targets.
func (r *Report) Targets() []Target {
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

func (res Result) median(kind string) time.Duration {
	if m := res.Plans[kind]; m != nil {
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
