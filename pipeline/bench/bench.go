// Package bench is `kidney3d bench`: the project's benchmarks on realistic
// inputs, each measured beside the field's standard tools (peers) in the
// same run, printed as a table and written as JSON.
package bench

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"kidney3d/pipeline/atomicfile"
)

// Options select what a run measures.
type Options struct {
	Out    string   // JSON results file ("" for none)
	Quick  bool     // small inputs, one repetition: a smoke test of the suite
	Suites []string // suites to run (nil: all)
}

// Result is one measured figure.
type Result struct {
	Suite string  `json:"suite"` // e.g. "nifti-io"
	Case  string  `json:"case"`  // what was measured, e.g. "load A.nii.gz (full demo)"
	Tool  string  `json:"tool"`  // "kidney3d" or the peer's name
	Value float64 `json:"value"`
	Unit  string  `json:"unit"` // e.g. "MB/s", "s"
	Note  string  `json:"note,omitempty"`
}

// suite is one group of benchmarks.
type suite struct {
	name string
	run  func(env *Env) ([]Result, error)
}

var suites []suite

// register adds a suite; each suite's file calls it from init.
func register(name string, run func(env *Env) ([]Result, error)) {
	suites = append(suites, suite{name, run})
	sort.Slice(suites, func(i, j int) bool { return suites[i].name < suites[j].name })
}

// registerShared registers a suite that needs the shared folder's inputs
// and peers (SharedDir); without one the suite reports just that.
func registerShared(name string, run func(env *Env, shared string) ([]Result, error)) {
	register(name, func(env *Env) ([]Result, error) {
		shared := SharedDir()
		if shared == "" {
			return []Result{{Suite: name, Case: "all inputs", Tool: "kidney3d", Unit: "s", Note: "no shared folder (../shared): no inputs or peers"}}, nil
		}
		return run(env, shared)
	})
}

// SuiteNames lists the suites, sorted.
func SuiteNames() []string {
	var names []string
	for _, s := range suites {
		names = append(names, s.name)
	}
	return names
}

// Env is what suites share: scratch space and the run's settings.
type Env struct {
	Dir     string // scratch folder, removed after the run
	Repeat  int    // repetitions; suites report the best
	Quick   bool
	Log     io.Writer
	started time.Time
}

// Run runs every suite, prints the table to w and writes the JSON file.
func Run(opts Options, w io.Writer) error {
	dir, err := os.MkdirTemp("", "kidney3d-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env := &Env{Dir: dir, Repeat: 5, Quick: opts.Quick, Log: w, started: time.Now()}
	if opts.Quick {
		env.Repeat = 1
	}
	for _, name := range opts.Suites {
		if !slices.ContainsFunc(suites, func(s suite) bool { return s.name == name }) {
			return fmt.Errorf("no benchmark suite %q (have %s)", name, strings.Join(SuiteNames(), ", "))
		}
	}
	var all []Result
	for _, s := range suites {
		if opts.Suites != nil && !slices.Contains(opts.Suites, s.name) {
			continue
		}
		fmt.Fprintf(w, "== %s\n", s.name)
		res, err := s.run(env)
		if err != nil {
			return fmt.Errorf("bench %s: %w", s.name, err)
		}
		writeTable(w, res)
		all = append(all, res...)
	}
	if opts.Out == "" {
		return nil
	}
	return atomicfile.WriteJSON(opts.Out, map[string]any{
		"date":    env.started.UTC().Format(time.RFC3339),
		"quick":   opts.Quick,
		"repeat":  env.Repeat,
		"loadavg": loadAverage(),
		"results": all,
	})
}

func writeTable(w io.Writer, res []Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "case\ttool\tvalue\tunit\tnote")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%s\t%.4g\t%s\t%s\n", r.Case, r.Tool, r.Value, r.Unit, r.Note)
	}
	tw.Flush()
}

// loadAverage is /proc/loadavg's first three fields, to judge noise.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) < 14 {
		return ""
	}
	return string(b[:14])
}

// best runs f n times and returns its shortest duration.
func best(n int, f func() error) (time.Duration, error) {
	var min time.Duration
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		if d := time.Since(t0); i == 0 || d < min {
			min = d
		}
	}
	return min, nil
}
