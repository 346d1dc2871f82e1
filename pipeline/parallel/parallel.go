// Package parallel splits index ranges over the machine's cores.
package parallel

import (
	"runtime"
	"sync"

	"kidney3d/pipeline/panics"
)

// For calls body on disjoint sub-ranges [lo, hi) that together cover [0, n),
// using up to GOMAXPROCS goroutines, and returns when all calls have returned.
// Ranges are handed out in chunks of at least grain items so that uneven work
// balances across cores. A panic in body stops the handing out of ranges and
// is raised again in the caller's goroutine, once every worker has stopped,
// as a *panics.Error holding the worker's stack: the caller can recover it.
func For(n, grain int, body func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	workers := Workers()
	if workers > (n+grain-1)/grain {
		workers = (n + grain - 1) / grain
	}
	if workers <= 1 {
		body(0, n)
		return
	}
	// Chunks are smaller than n/workers so that a slow chunk does not leave
	// the other cores idle.
	chunk := n / (workers * 4)
	if chunk < grain {
		chunk = grain
	}
	var next int
	var mu sync.Mutex
	var failed *panics.Error // the first panic of a worker
	take := func() (int, int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= n || failed != nil {
			return 0, 0, false
		}
		lo := next
		next = min(n, next+chunk)
		return lo, next, true
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					mu.Lock()
					if failed == nil {
						failed = panics.New(v)
					}
					mu.Unlock()
				}
			}()
			for {
				lo, hi, ok := take()
				if !ok {
					return
				}
				body(lo, hi)
			}
		}()
	}
	wg.Wait()
	if failed != nil {
		panic(failed)
	}
}

// Workers is how many goroutines compute at once: GOMAXPROCS, but never
// more than the machine's cores, so that a process that raises GOMAXPROCS
// above the cores (the desktop app does, for its UI goroutine) keeps a Go
// processor free.
func Workers() int { return min(runtime.GOMAXPROCS(0), runtime.NumCPU()) }
