package caselibrary

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"kidney3d/pipeline/caselibrary/casegen"
	"kidney3d/pipeline/cputime"
)

// BenchmarkLibrary10k indexes a generated library of 10,000 case folders
// and reports: the time to index them, to open the library and answer a
// first query (separately), the share of 200 one- and two-typo queries whose case is in
// the top 3, and the query times (median, 95th percentile, slowest).
func BenchmarkLibrary10k(b *testing.B) {
	ctx := context.Background()
	root, cases := writeLibrary(b, 10, 10_000)
	db := filepath.Join(b.TempDir(), "library.db")
	l := openLibrary(b, db)
	t0 := time.Now()
	if _, err := l.Add(ctx, root); err != nil {
		b.Fatal(err)
	}
	index := time.Since(t0)
	l.Close()
	t0 = time.Now()
	l = openLibrary(b, db)
	open := time.Since(t0)
	if _, err := l.Search(ctx, "jonh smiht", 3); err != nil {
		b.Fatal(err)
	}
	first := time.Since(t0) - open
	found, misses := topHits(b, l, root, cases, 200, 11)
	if len(misses) > 0 {
		b.Logf("missed: %q", misses)
	}
	rng := rand.New(rand.NewPCG(12, 13))
	var took []time.Duration
	cpu0, _ := cputime.Used()
	b.ResetTimer()
	for b.Loop() {
		c := cases[rng.IntN(len(cases))]
		q := casegen.Query(rng, c, 1+rng.IntN(2))
		t := time.Now()
		if _, err := l.Search(ctx, q, 3); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(t))
	}
	cpu1, _ := cputime.Used()
	cpu := cpu1 - cpu0
	slices.Sort(took)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(index.Seconds(), "index-s")
	b.ReportMetric(ms(open), "open-ms")
	b.ReportMetric(ms(first), "first-query-ms")
	b.ReportMetric(float64(found)/2, "top3-%")
	b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
	b.ReportMetric(ms(took[len(took)*95/100]), "p95-ms")
	b.ReportMetric(ms(took[len(took)-1]), "max-ms")
	// The machine may be shared: the processor time per query does not
	// count the waits for a core.
	b.ReportMetric(ms(cpu)/float64(len(took)), "cpu-ms/query")
}
