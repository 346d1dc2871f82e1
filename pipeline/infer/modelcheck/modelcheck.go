// Package modelcheck is `kidney3d models`: it lists the installed and
// built-in model packages and checks one by running a patch through ONNX
// Runtime.
package modelcheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"text/tabwriter"
	"time"

	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/infer/ort"
)

// Entry is one package as `models list --json` prints it.
type Entry struct {
	Name    string     `json:"name"`
	Version string     `json:"version"`
	Phases  []string   `json:"input_phases"`
	Labels  []string   `json:"labels"`
	Spacing [3]float64 `json:"spacing"`
	Patch   [3]int     `json:"patch_size"`
	Licence string     `json:"licence"`
	Source  string     `json:"source"`
}

// List prints the packages of c, installed ones first; folders that are
// not valid packages are listed after them and make List fail, so that a
// broken installation is not missed.
func List(w io.Writer, c modelpkg.Catalogue, asJSON bool) error {
	pkgs, problems := c.List()
	entries := make([]Entry, len(pkgs))
	for i, p := range pkgs {
		entries[i] = Entry{Name: p.Name, Version: p.Version, Phases: p.InputPhases, Labels: p.Structures(),
			Spacing: p.Spacing, Patch: p.PatchSize, Licence: p.Licence, Source: p.Source}
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(entries); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tVERSION\tPHASES\tLABELS\tSPACING (z,y,x mm)\tSOURCE")
		for _, e := range entries {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%g×%g×%g\t%s\n", e.Name, e.Version, strings.Join(e.Phases, "+"),
				strings.Join(e.Labels, ","), e.Spacing[0], e.Spacing[1], e.Spacing[2], e.Source)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "searched: %s, then the built-in packages\n", strings.Join(c.Dirs, ", "))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d invalid model package(s):\n%w", len(problems), errors.Join(problems...))
	}
	return nil
}

// Check validates the package in dir (or named ref), makes an ONNX Runtime
// session on provider and runs one patch of the model's size, checking the
// output's shape and that every logit is finite.
func Check(ctx context.Context, w io.Writer, ref string, c modelpkg.Catalogue, provider ort.Provider, log *slog.Logger) error {
	p, err := c.Find(ref)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "package  %s %s (%s)\nsource   %s\n", p.Name, p.Version, p.Licence, p.Source)
	fmt.Fprintf(w, "inputs   %s at %g×%g×%g mm, patch %v\nlabels   %s\n", strings.Join(p.InputPhases, "+"),
		p.Spacing[0], p.Spacing[1], p.Spacing[2], p.PatchSize, strings.Join(p.Classes(), ", "))
	if err := ort.Init(log); err != nil {
		return err
	}
	net, err := p.ONNX()
	if err != nil {
		return err
	}
	start := time.Now()
	sess, err := ort.NewSession(net, ort.Options{Provider: provider, InputName: p.ONNXInput, OutputName: p.ONNXOutput, Log: log})
	if err != nil {
		return fmt.Errorf("model package %s: %w", p.Source, err)
	}
	defer sess.Close()
	load := time.Since(start)
	c5 := len(p.InputPhases)
	shape := []int64{1, int64(c5), int64(p.PatchSize[0]), int64(p.PatchSize[1]), int64(p.PatchSize[2])}
	in := make([]float32, c5*p.PatchSize[0]*p.PatchSize[1]*p.PatchSize[2])
	r := rand.New(rand.NewPCG(1, 2))
	for i := range in {
		in[i] = float32(r.NormFloat64())
	}
	start = time.Now()
	out, outShape, err := sess.Run(ctx, in, shape)
	if err != nil {
		return fmt.Errorf("model package %s: running one patch: %w", p.Source, err)
	}
	run := time.Since(start)
	want := []int64{1, int64(len(p.Labels)), shape[2], shape[3], shape[4]}
	if fmt.Sprint(outShape) != fmt.Sprint(want) {
		return fmt.Errorf("model package %s: output shape %v, want %v (one channel per label of model.json)", p.Source, outShape, want)
	}
	for i, v := range out {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("model package %s: output value %d is %v", p.Source, i, v)
		}
	}
	fmt.Fprintf(w, "runtime  ONNX Runtime %s (%s), provider %s\n", ort.Version(), ort.LibraryPath(), sess.Provider())
	fmt.Fprintf(w, "check    ok: session %.2f s, one patch %.2f s, output %v\n", load.Seconds(), run.Seconds(), outShape)
	return nil
}
