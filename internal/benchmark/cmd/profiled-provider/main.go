// Command profiled-provider is the provider as main.go serves it, plus CPU and heap profiles: when
// CIRCULARO_BENCH_PROFILE_DIR is set, every process writes cpu-<pid>.pprof and heap-<pid>.pprof there
// when Terraform stops it, plus a goroutine snapshot every half second. Only the plan benchmark uses it
// (plan-bench -profile DIR); releases never include it.
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/provider"
)

func main() {
	dir := os.Getenv("CIRCULARO_BENCH_PROFILE_DIR")
	var cpu *os.File
	if dir != "" {
		var err error
		cpu, err = os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", os.Getpid())))
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			log.Fatal(err)
		}
		go snapshotGoroutines(filepath.Join(dir, fmt.Sprintf("goroutines-%d.txt", os.Getpid())))
	}

	err := provider.Serve("bench", false)

	if cpu != nil {
		pprof.StopCPUProfile()
		cpu.Close()
		if heap, herr := os.Create(filepath.Join(dir, fmt.Sprintf("heap-%d.pprof", os.Getpid()))); herr == nil {
			runtime.GC() // the in-use figures as of now; the alloc_* figures cover the whole run
			_ = pprof.WriteHeapProfile(heap)
			heap.Close()
		}
	}
	if err != nil {
		log.Fatal(err)
	}
}

// snapshotGoroutines rewrites the goroutine profile every half second, so that the last snapshot
// before Terraform stops the plugin shows goroutines that outlive their requests.
func snapshotGoroutines(path string) {
	for range time.Tick(500 * time.Millisecond) {
		f, err := os.Create(path)
		if err != nil {
			return
		}
		fmt.Fprintf(f, "goroutines: %d\n", runtime.NumGoroutine())
		_ = pprof.Lookup("goroutine").WriteTo(f, 1)
		f.Close()
	}
}
