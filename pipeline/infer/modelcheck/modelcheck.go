// Package modelcheck is `kidney3d models`: it lists the installed and
// built-in model packages and checks one by running a patch through ONNX
// Runtime.
//
// A broken installed package (unreadable or invalid model.json, a missing,
// empty, oversized or non-ONNX model.onnx) is never hidden: `models list`
// lists it as BROKEN with the file and the reason and exits 1, and
// `models check` and `run` fail on it, naming the package, the file and
// the reason; a built-in package of the same name does not stand in for it.
package modelcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/infer"
	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/infer/ort"
)

// Entry is one package as `models list --json` prints it.
type Entry struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Phases are the phases fed as channels, in channel order (a channel
	// may name alternatives, "A|P|D"); Labels the structures it segments.
	Phases []string `json:"input_phases"`
	Labels []string `json:"labels"`
	// Spacing is the model's voxel size in mm and Patch its input size in
	// voxels, both (z, y, x).
	Spacing [3]float64 `json:"spacing"`
	Patch   [3]int     `json:"patch_size"`
	Licence string     `json:"licence"`
	// Source is the package's folder, or "built-in:<name>" for a package
	// built into the program (modelpkg.Package.Source).
	Source string `json:"source"`
	// Error says why the package is broken ("" when it is not); a broken
	// package has only its name and source besides.
	Error string `json:"error,omitempty"`
}

// List prints the packages of c, installed ones first, then the broken
// ones (folders that are not valid packages) marked BROKEN with the reason;
// it fails when there is a broken one, so that a broken installation is
// not missed.
func List(w io.Writer, c modelpkg.Catalogue, asJSON bool) error {
	pkgs, problems := c.List()
	entries := make([]Entry, 0, len(pkgs)+len(problems))
	for _, p := range pkgs {
		entries = append(entries, Entry{Name: p.Name, Version: p.Version, Phases: p.InputPhases, Labels: p.Structures(),
			Spacing: p.Spacing, Patch: p.PatchSize, Licence: p.Licence, Source: p.Source})
	}
	for _, err := range problems {
		e := Entry{Name: "?", Version: "BROKEN", Error: err.Error()}
		var pe *modelpkg.Error
		if errors.As(err, &pe) {
			e.Name, e.Source, e.Error = pe.Package, filepath.Dir(pe.File), pe.File+": "+pe.Err.Error()
		}
		entries = append(entries, e)
	}
	if asJSON {
		if err := atomicfile.EncodeJSON(w, entries); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tVERSION\tPHASES\tLABELS\tSPACING (z,y,x mm)\tSOURCE")
		for _, e := range entries {
			if e.Error != "" {
				fmt.Fprintf(tw, "%s\tBROKEN\t\t\t\t%s\n", e.Name, e.Error)
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%g×%g×%g\t%s\n", e.Name, e.Version, strings.Join(e.Phases, "+"),
				strings.Join(e.Labels, ","), e.Spacing[0], e.Spacing[1], e.Spacing[2], e.Source)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "searched: %s, then the built-in packages\n", strings.Join(c.Dirs, ", "))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d broken model package(s):\n%w", len(problems), errors.Join(problems...))
	}
	return nil
}

// Check validates the package in dir (or named ref), checks that its
// spacing and patch fit the image limit on the largest image
// (infer.CheckModel, one patch per run), makes an ONNX Runtime session on
// provider and runs one patch of the model's size, checking the output's
// shape and that every logit is finite.
func Check(ctx context.Context, w io.Writer, ref string, c modelpkg.Catalogue, provider ort.Provider, log *slog.Logger) error {
	p, err := c.Find(ref)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "package  %s %s (%s)\nsource   %s\n", p.Name, p.Version, p.Licence, p.Source)
	fmt.Fprintf(w, "inputs   %s at %g×%g×%g mm, patch %v, stored %s\nlabels   %s\n", strings.Join(p.InputPhases, "+"),
		p.Spacing[0], p.Spacing[1], p.Spacing[2], p.PatchSize, p.AxisCodes(), strings.Join(p.Classes(), ", "))
	need, err := infer.CheckModel(p.Manifest, 1)
	if err != nil {
		return &modelpkg.Error{Package: p.Name, File: p.File(modelpkg.ManifestFile), Err: err}
	}
	fmt.Fprintf(w, "memory   %.0f×%.0f×%.0f model grid, %.2f GB of working arrays on a %g×%g×%g mm image\n",
		need.Grid[0], need.Grid[1], need.Grid[2], need.Bytes/1e9,
		infer.LargestFieldOfView[0], infer.LargestFieldOfView[1], infer.LargestFieldOfView[2])
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
	if why := sess.Fallback(); why != "" {
		fmt.Fprintf(w, "         on CPU: %s\n", why)
	}
	fmt.Fprintf(w, "check    ok: session %.2f s, one patch %.2f s, output %v\n", load.Seconds(), run.Seconds(), outShape)
	return nil
}
