package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

func init() {
	register("accuracy", func(env *Env) ([]Result, error) { return benchAccuracy(env, "accuracy", []string{"APD"}) })
	register("phases", func(env *Env) ([]Result, error) {
		if env.Quick {
			return benchAccuracy(env, "phases", []string{"P"})
		}
		return benchAccuracy(env, "phases", phaseSubsets)
	})
}

// phaseSubsets are the subsets of a demo case's phases the "phases" suite
// runs: those a real study often has, a delayed phase alone included
// (when quick, P alone: a case whose reference is not A).
var phaseSubsets = []string{"A", "P", "D", "AP", "AD", "APD"}

// accuracyLabels are the structures whose Dice the segmentation issue
// sets a target for.
var accuracyLabels = []string{"kidney_left", "kidney_right", "tumor", "artery", "vein", "ureter"}

// accuracySeeds are the demo seeds the models never saw: 21-40, 21 only
// when quick.
func accuracySeeds(env *Env) (first, last int) {
	if env.Quick {
		return 21, 21
	}
	return 21, 40
}

// benchAccuracy is the suite named suite: it runs the default pipeline (`kidney3d run`) on small demo
// cases of the held-out seeds, keeping of each case only the phases of
// each subset ("AP": A and P), and reports each structure's Dice against
// the truth on the case's reference grid: mean and minimum per subset. A
// structure the subset's phases cannot give is left out of its Dice and
// counted as not made.
func benchAccuracy(env *Env, suite string, subsets []string) ([]Result, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	first, last := accuracySeeds(env)
	table := labels.Default()
	dice := map[string]map[string][]float64{} // subset → label → Dice per case
	notMade := map[string]map[string]int{}
	for _, sub := range subsets {
		dice[sub], notMade[sub] = map[string][]float64{}, map[string]int{}
	}
	for seed := first; seed <= last; seed++ {
		c, err := demo.Generate(demo.Options{Seed: int64(seed), Size: demo.Small})
		if err != nil {
			return nil, err
		}
		for _, sub := range subsets {
			dir := filepath.Join(env.Dir, fmt.Sprintf("accuracy-%d-%s", seed, sub))
			out, truth, err := runSubset(exe, dir, c, sub)
			if err != nil {
				return nil, err
			}
			for _, l := range accuracyLabels {
				v := table.Value(l)
				if !contains(out, v) {
					notMade[sub][l]++
					continue
				}
				if d, ok := diceOf(out, truth, v); ok {
					dice[sub][l] = append(dice[sub][l], d)
				}
			}
			os.RemoveAll(dir)
		}
		fmt.Fprintf(env.Log, "seed %d done\n", seed)
	}
	var res []Result
	for _, sub := range subsets {
		what := fmt.Sprintf("phases %s, demo seeds %d-%d", sub, first, last)
		if suite == "accuracy" {
			what = fmt.Sprintf("demo seeds %d-%d", first, last)
		}
		for _, l := range accuracyLabels {
			ds := dice[sub][l]
			if len(ds) == 0 {
				continue
			}
			mean, lo := 0.0, ds[0]
			for _, d := range ds {
				mean += d
				lo = min(lo, d)
			}
			mean /= float64(len(ds))
			note := fmt.Sprintf("mean of %d cases; min %.3f", len(ds), lo)
			if n := notMade[sub][l]; n > 0 {
				note += fmt.Sprintf("; not made in %d", n)
			}
			res = append(res, Result{Suite: suite, Case: fmt.Sprintf("Dice %s, %s", l, what), Tool: "kidney3d",
				Value: mean, Unit: "Dice", Note: note})
		}
	}
	return res, nil
}

// runSubset writes the demo case c into dir with only the phases of sub,
// runs the pipeline on it, and returns its label map and the truth on the
// same grid.
func runSubset(exe, dir string, c *demo.Case, sub string) (out, truth *volume.Volume[uint8], err error) {
	if err := demo.Write(dir, c); err != nil {
		return nil, nil, err
	}
	for p := range c.Phases {
		if !strings.Contains(sub, p) {
			if err := os.Remove((&casefile.Case{Dir: dir}).PhasePath(p)); err != nil {
				return nil, nil, err
			}
		}
	}
	if _, _, err := runKidney3d(exe, "run", dir); err != nil {
		return nil, nil, err
	}
	out, err = volume.Load[uint8]((&casefile.Case{Dir: dir}).OutputLabelsPath())
	if err != nil {
		return nil, nil, err
	}
	ref, _ := (&casefile.Case{Dir: dir}).ReferencePhase()
	truth = c.PhaseTruth[ref]
	if err := volume.SameGrid(out.Grid, truth.Grid, volume.GridTolerance); err != nil {
		return nil, nil, fmt.Errorf("%s: the label map is not on phase %s's grid: %w", dir, ref, err)
	}
	return out, truth, nil
}

// contains reports whether the label map holds label v.
func contains(m *volume.Volume[uint8], v uint8) bool {
	for _, x := range m.Data {
		if x == v {
			return true
		}
	}
	return false
}
