package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/volume"
)

// TestAnySubsetOfPhases runs the default pipeline on demo seed 21 (never
// seen by the models) holding only some of its phases: each subset with a
// contrast phase gives both kidneys and the tumour, on the reference
// phase's grid, measured against the truth as that phase shows it; what
// the phases cannot give is named in report.json and in run's summary
// with the phase it needs. The targets (kidneys ≥ 0.90, tumour ≥ 0.80)
// are means over seeds 21-40: `kidney3d bench --suite phases`, figures in
// BENCHMARKS.md; the floors here catch a broken pipeline.
func TestAnySubsetOfPhases(t *testing.T) {
	c, err := demo.Generate(demo.Options{Seed: 21, Size: demo.Small})
	if err != nil {
		t.Fatal(err)
	}
	table := labels.Default()
	organs := []string{"liver", "spleen", "pancreas", "aorta", "inferior_vena_cava", "spine", "urinary_bladder"}
	// because lists labels with the reason they are not made.
	because := func(why string, ls ...string) map[string]string {
		m := map[string]string{}
		for _, l := range ls {
			m[l] = why
		}
		return m
	}
	union := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	noA := because("needs phase A (no input/A.nii.gz)", organs...)
	noD := because("needs phase D (no input/D.nii.gz)", "ureter")
	for _, tc := range []struct {
		phases, reference string
		kidneyFrom        string            // the phases the kidney model read
		notMade           map[string]string // every label not made → its reason
	}{
		{"A", "A", "A", noD},
		{"P", "P", "P", union(noA, noD)},
		{"AD", "A", "A", nil},
		{"D", "D", "D", union(noA, because("needs phase A and phase P (model demo-vessels) or one of phases A, P (model demo-vessels-single)", "artery", "vein"))},
	} {
		t.Run(tc.phases, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "case")
			if err := demo.Write(dir, c); err != nil {
				t.Fatal(err)
			}
			for p := range c.Phases {
				if !strings.Contains(tc.phases, p) {
					if err := os.Remove(filepath.Join(dir, "input", p+".nii.gz")); err != nil {
						t.Fatal(err)
					}
				}
			}
			stdout, stderr, code := kidney3d(t, "run", dir, "--device", "cpu")
			if code != 0 {
				t.Fatalf("run: exit %d: %s\n%s", code, stderr, stdout)
			}
			out, err := volume.Load[uint8](filepath.Join(dir, "output", "labels.nii.gz"))
			if err != nil {
				t.Fatal(err)
			}
			truth := c.PhaseTruth[tc.reference]
			if err := volume.SameGrid(out.Grid, truth.Grid, volume.GridTolerance); err != nil {
				t.Fatalf("the label map is not on phase %s's grid: %v", tc.reference, err)
			}
			for l, floor := range map[string]float64{"kidney_left": 0.85, "kidney_right": 0.85, "tumor": 0.70} {
				d := dice(out, truth, table.Value(l))
				t.Logf("phases %s: %s Dice %.3f", tc.phases, l, d)
				if d < floor {
					t.Errorf("phases %s: %s Dice %.3f, want ≥ %.2f", tc.phases, l, d, floor)
				}
			}
			b, err := os.ReadFile(filepath.Join(dir, "output", "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			var rep measure.Report
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			kidney, _ := rep.Structure("kidney_left")
			if kidney.Provenance.Source != measure.FromModel || strings.Join(kidney.Provenance.Phases, "") != tc.kidneyFrom {
				t.Errorf("phases %s: kidney_left provenance %+v, want a model on %s", tc.phases, kidney.Provenance, tc.kidneyFrom)
			}
			// The tumour's provenance carries its model's validation Dice
			// for the phases fed, and the summary calls out a weak one.
			tumour, _ := rep.Structure("tumor")
			if p := tumour.Provenance; p.Model != nil {
				pkg, err := modelpkg.Load(filepath.Join("assets", "models", p.Model.Name))
				if err != nil {
					t.Fatal(err)
				}
				want, ok := pkg.Manifest.ValidationDice(p.Phases)["tumor"]
				switch {
				case !ok || p.ValidationDice == nil || *p.ValidationDice != want:
					t.Errorf("phases %s: tumour validation Dice %v, want %g from %s's model.json", tc.phases, p.ValidationDice, want, p.Model.Name)
				case want < measure.WeakDice && !strings.Contains(stdout, fmt.Sprintf("weak model: tumor: Dice %.2f", want)):
					t.Errorf("phases %s: run's summary does not call the tumour's model weak (Dice %.2f):\n%s", tc.phases, want, stdout)
				}
			}
			reasons := map[string]string{}
			for _, s := range rep.Skipped {
				for _, l := range s.NotMade {
					reasons[l] = s.Reason
				}
			}
			if len(reasons) != len(tc.notMade) {
				t.Errorf("phases %s: not made %v, want %v", tc.phases, reasons, tc.notMade)
			}
			for l, why := range tc.notMade {
				if reasons[l] != why {
					t.Errorf("phases %s: %s not made for %q, want %q", tc.phases, l, reasons[l], why)
				}
				if !strings.Contains(stdout, "not made: ") || !strings.Contains(stdout, ": "+why) {
					t.Errorf("phases %s: run's summary does not say %q:\n%s", tc.phases, why, stdout)
				}
			}
		})
	}
}
