// Command kidney3d turns a multi-phase kidney CT into a 3D model. With no
// subcommand it opens the desktop app; see README.md for the subcommands.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"fyne.io/fyne/v2"

	"kidney3d/assets"
	"kidney3d/pipeline/about"
	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/bench"
	"kidney3d/pipeline/broker"
	"kidney3d/pipeline/caseedit"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/caselibrary"
	"kidney3d/pipeline/caserun"
	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/dicomimport"
	"kidney3d/pipeline/dicomseries"
	"kidney3d/pipeline/editsession"
	"kidney3d/pipeline/editversions"
	"kidney3d/pipeline/imageinfo"
	"kidney3d/pipeline/infer/modelcheck"
	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/infer/ort"
	"kidney3d/pipeline/jobqueue"
	"kidney3d/pipeline/jobsubmit"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/librarydb"
	"kidney3d/pipeline/lonenifti"
	"kidney3d/pipeline/maskimport"
	"kidney3d/pipeline/mesh"
	"kidney3d/pipeline/mesh/export"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/pipeline/panics"
	"kidney3d/pipeline/planreport"
	"kidney3d/pipeline/remoteworker"
	"kidney3d/pipeline/stages"
	"kidney3d/render"
	"kidney3d/ui"
	"kidney3d/ui/plandoc"
	"kidney3d/ui/renderframes"
)

// command is one subcommand: its usage line and what it runs once its flags
// are parsed; ctx ends at SIGINT or SIGTERM.
type command struct {
	usage string
	run   func(ctx context.Context, args []string, stdout io.Writer) error
	// gui leaves SIGINT and SIGTERM to their default action (the desktop
	// app ends at once).
	gui bool
}

var commands = map[string]command{
	"info":   {"info FILE [--json] | info CASE | info DICOMFILE|DICOMFOLDER [--json]", runInfo, false},
	"demo":   {"demo --out DIR [--seed N] [--size small|full] [--defects] [--format nifti|dicom]", runDemo, false},
	"view":   {"view [CASE|FILE.nii.gz] [--screenshot OUT.png] [--size WxH]", runView, true},
	"bench":  {"bench [--out FILE.json] [--quick] [--suite NAMES]", runBench, false},
	"run":    {"run CASE [--device auto|cpu|gpu] [--json] [--force STAGE] [--config FILE] [--wait]", runCase, false},
	"render": {"render CASE --png OUT.png [--view anterior|posterior|left|right|superior|inferior] [--size WxH]", runRender, false},
	"models": {"models list [--json] | models check DIR|NAME [--device auto|cpu|gpu]", runModels, false},
	"report": {"report CASE [--pdf OUT.pdf] [--json] [--margin MM] [--no-views]", runReport, false},
	"mesh":   {"mesh LABELS.nii.gz --out DIR [--format obj,stl,glb] [--labels NAMES] [--smooth auto|organ|vessel|raw] [--decimate RATIO|ERRORmm] [--no-normals] [--table FILE|none]", runMesh, false},

	"import":       {"import SRC... --out CASE [--phase A=SERIES_ID,...] [--keep-identity] [--fill-gaps] [--json] | import --list SRC... [--fill-gaps] [--json]", runImport, false},
	"library":      {"library add ROOT|CASE... | list [--status S] [--json] | search QUERY [--json] [--limit N] | rebuild | signoff CASE --by NAME | review CASE --by NAME [--db FILE]", runLibrary, false},
	"queue":        {"queue add CASE... [--priority urgent|normal|batch] [--device auto|cpu|gpu] | list [--all] [--json] | cancel|pause|resume ID | run [--gpus N] [--cpu-jobs N] [--until-empty] [--db FILE]", runQueue, false},
	"import-masks": {"import-masks SEG.nii.gz|FOLDER --from totalsegmentator --out CASE [--overwrite] [--json]", runImportMasks, false},

	"edit":     {"edit CASE --ops OPS.json [--message TEXT] [--author NAME] [--json] | edit CASE --recover|--discard [--ops OPS.json]", runEdit, false},
	"versions": {"versions CASE [--json] [--compare A B]", runVersions, false},
	"revert":   {"revert CASE --to N [--author NAME]", runRevert, false},

	"worker": {"worker --broker amqp[s]://HOST[:PORT]/[VHOST] --root DIR [--gpus N] [--id NAME] [--attempts N] [--retry-delay D] [--broker-credentials FILE] [--ca FILE]", runWorker, false},
	"submit": {"submit CASE... --broker URL --root DIR [--priority urgent|normal|batch] [--device auto|cpu|gpu] [--watch] [--json] [--broker-credentials FILE] [--ca FILE] | submit --cancel CASE...", runSubmit, false},
}

func main() { os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr)) }

// Exit codes (README "Exit codes"). The Go runtime's own fatal errors
// (out of memory, stack overflow, concurrent map writes, deadlock) cannot
// be recovered and exit with 2 and "fatal error:" on stderr.
const (
	exitOK       = 0
	exitFailure  = 1 // the command failed, or was interrupted
	exitUsage    = 2 // the command line cannot be run
	exitInternal = 3 // a bug: a panic, reported with its stack
)

// interruptGrace is how long a command may take to return after SIGINT or
// SIGTERM before the program stops anyway (within the 1 s of README
// "Reliability"). Atomic writes leave only temporary files then, which
// the next run removes.
const interruptGrace = 700 * time.Millisecond

// errInterrupted is the outcome of a command that has not returned
// interruptGrace after a signal.
var errInterrupted = errors.New("cancelled by a signal; run again to finish")

// dispatch runs one subcommand and turns its outcome into an exit code.
func dispatch(args []string, stdout, stderr io.Writer) int {
	name := "view"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "view" && len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		fmt.Fprint(stdout, about.Text())
		return exitOK
	}
	if name == "help" || (len(args) > 0 && (args[0] == "-h" || args[0] == "--help")) {
		printUsage(stdout)
		return 0
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "kidney3d: unknown command %q\n", name)
		printUsage(stderr)
		return exitUsage
	}
	err := call(cmd, args, stdout)
	var usage usageError
	var option caserun.OptionError
	var internal *panics.Error
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage), errors.As(err, &option):
		fmt.Fprintf(stderr, "kidney3d %s: %v\nusage: kidney3d %s\n", name, err, cmd.usage)
		return exitUsage
	case errors.As(err, &internal):
		// The stack first: the last line is what the desktop app shows.
		fmt.Fprintf(stderr, "%s\nkidney3d %s: %v (a bug: please report it with the stack above)\n", internal.Stack, name, err)
		return exitInternal
	default:
		fmt.Fprintf(stderr, "kidney3d %s: %v\n", name, err)
		return exitFailure
	}
}

// call runs a command, a panic in its goroutine becoming a *panics.Error.
// Except for the GUI, the first SIGINT or SIGTERM cancels the command's
// context and the next one kills the program at once; a command that has
// not returned interruptGrace after the first is abandoned.
func call(cmd command, args []string, stdout io.Writer) error {
	if cmd.gui {
		return callSafely(context.Background(), cmd, args, stdout)
	}
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(headlessGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- callSafely(ctx, cmd, args, stdout) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	stop()
	select {
	case err := <-done:
		if errors.Is(err, context.Canceled) {
			return errInterrupted
		}
		return err
	case <-time.After(interruptGrace):
		return errInterrupted
	}
}

// headlessGCPercent is the garbage collector's GOGC for the commands
// without a window (unless GOGC is set): their heap is mostly large voxel
// arrays without pointers, which a collection marks at almost no cost, so
// collecting after 10% growth instead of 100% costs no measurable CPU and
// keeps the peak memory near the live voxels (BENCHMARKS.md, "One
// geometry, data not paths").
const headlessGCPercent = 10

// callSafely runs a command, recovering a panic of its goroutine.
func callSafely(ctx context.Context, cmd command, args []string, stdout io.Writer) (err error) {
	defer panics.Recover(&err)
	return cmd.run(ctx, args, stdout)
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage:")
	for _, name := range []string{"view", "demo", "run", "import", "import-masks", "library", "queue", "worker", "submit", "mesh", "render", "report", "info", "models", "bench"} {
		fmt.Fprintf(w, "  kidney3d %s\n", commands[name].usage)
	}
	fmt.Fprintln(w, "  kidney3d --version")
	fmt.Fprintln(w, "exit codes: 0 done, 1 failed or cancelled, 2 bad usage, 3 internal error (a bug)")
}

// usageError marks a command line that cannot be run (exit code 2).
type usageError struct{ error }

// parse parses flags that may come before or after the positional
// arguments and checks how many positionals there are.
func parse(fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	if len(pos) < minPos || len(pos) > maxPos {
		return nil, usageError{fmt.Errorf("expected %d to %d arguments, got %d", minPos, maxPos, len(pos))}
	}
	return pos, nil
}

func runInfo(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("info", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	st, statErr := os.Stat(pos[0])
	if _, notCase := casefile.Open(pos[0]); statErr == nil && st.IsDir() && notCase != nil {
		return listDICOM(ctx, pos, dicomseries.Options{}, *asJSON, stdout)
	}
	if statErr == nil && !st.IsDir() && dicomimport.IsDICOMFile(pos[0]) {
		info, err := dicomimport.DescribeFile(pos[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return info.WriteJSON(stdout)
		}
		return info.WriteText(stdout)
	}
	if statErr == nil && st.IsDir() {
		if *asJSON {
			return usageError{errors.New("--json describes one NIfTI file, not a case folder")}
		}
		return casefile.WriteSummary(stdout, pos[0])
	}
	info, err := imageinfo.Describe(pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return info.WriteJSON(stdout)
	}
	return info.WriteText(stdout)
}

func runDemo(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	out := fs.String("out", "", "case folder to write")
	seed := fs.Int64("seed", 1, "random seed")
	size := fs.String("size", "small", "small or full")
	defects := fs.Bool("defects", false, "also write input/masks/ from the truth, with realistic defects")
	format := fs.String("format", "nifti", "nifti (a case folder) or dicom (a DICOM study in DIR/dicom, to import)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *out == "" {
		return usageError{errors.New("--out is required")}
	}
	if *format != "nifti" && *format != "dicom" {
		return usageError{fmt.Errorf("--format %q: want nifti or dicom", *format)}
	}
	if *format == "dicom" && *defects {
		return usageError{errors.New("--defects writes masks into a case folder: not with --format dicom")}
	}
	sz, err := demo.ParseSize(*size)
	if err != nil {
		return usageError{err}
	}
	c, err := demo.Generate(demo.Options{Seed: *seed, Size: sz})
	if err != nil {
		return err
	}
	if *format == "dicom" {
		if err := demo.WriteDICOM(*out, c); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote demo DICOM study %s (seed %d, %s, %s style); kidney3d import %s --out CASE\n",
			filepath.Join(*out, demo.DICOMDir), *seed, *size, demo.DICOMStyle(*seed), filepath.Join(*out, demo.DICOMDir))
		return nil
	}
	if err := demo.Write(*out, c); err != nil {
		return err
	}
	if *defects {
		m, err := demo.DefectiveMasks(c)
		if err != nil {
			return err
		}
		if err := demo.WriteMasks(*out, m); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote demo case %s (seed %d, %s)\n", *out, *seed, *size)
	return nil
}

func runView(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("view", flag.ContinueOnError)
	shot := fs.String("screenshot", "", "capture the window to this PNG once the case is shown, then exit")
	size := fs.String("size", "", "window size WxH")
	pos, err := parse(fs, args, 0, 1)
	if err != nil {
		return err
	}
	// One Go processor more than the cores: loading and meshing use at
	// most one goroutine per core (parallel.Workers), so the UI goroutine
	// never waits for a processor when it comes back from OpenGL.
	runtime.GOMAXPROCS(runtime.NumCPU() + 1)
	opts := ui.Options{Screenshot: *shot, NewFrames: renderframes.New}
	if len(pos) == 1 {
		// A DICOM folder (the desktop's "Open with") opens the import
		// dialog on it (a screenshot shows the dialog once it has listed
		// the series). A lone NIfTI file opens as a case of its own, made
		// beside the user's other data, never beside the file.
		var dicom *dicomimport.NotACaseError
		switch err := dicomimport.CheckCaseNotDICOM(pos[0]); {
		case lonenifti.IsNIfTI(pos[0]):
			root, err := lonenifti.Root()
			if err != nil {
				return err
			}
			dir, phase, created, err := lonenifti.Case(pos[0], root)
			if err != nil {
				return err
			}
			how := "opened as the case"
			if !created {
				how = "opened again: its case is"
			}
			fmt.Fprintf(os.Stderr, "kidney3d: %s %s %s, a copy as %s; the file is only read\n", pos[0], how, dir, phase)
			opts.Case = dir
		case errors.As(err, &dicom):
			opts.DICOM = pos[0]
		case err != nil:
			return err
		default:
			opts.Case = pos[0]
		}
	}
	if *size != "" {
		w, h, err := render.ParseSize(*size)
		if err != nil {
			return usageError{err}
		}
		opts.Size = fyne.NewSize(float32(w), float32(h))
	}
	return ui.Run(opts)
}

func runBench(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	out := fs.String("out", "bench.json", "JSON results file")
	quick := fs.Bool("quick", false, "small inputs and one repetition (a smoke test)")
	only := fs.String("suite", "", "comma-separated suites to run ("+strings.Join(bench.SuiteNames(), ", ")+"; default all)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	opts := bench.Options{Out: *out, Quick: *quick}
	if *only != "" {
		opts.Suites = strings.Split(*only, ",")
		for _, name := range opts.Suites {
			if !slices.Contains(bench.SuiteNames(), name) {
				return usageError{fmt.Errorf("--suite %s: no such suite (have %s)", name, strings.Join(bench.SuiteNames(), ", "))}
			}
		}
	}
	return bench.Run(opts, stdout)
}

func runCase(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var opts caserun.Options
	fs.StringVar(&opts.Device, "device", "auto", "auto, cpu or gpu")
	fs.BoolVar(&opts.JSON, "json", false, "print progress events as JSON lines")
	fs.BoolVar(&opts.Wait, "wait", false, "when another process works on the case, wait for it instead of failing")
	fs.StringVar(&opts.Config, "config", "", "pipeline config.yaml (default: CASE/config.yaml, else the built-in one)")
	fs.Func("force", "rerun this stage even if unchanged (repeatable)", func(s string) error {
		opts.Force = append(opts.Force, strings.Split(s, ",")...)
		return nil
	})
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if err := dicomimport.CheckCaseNotDICOM(pos[0]); err != nil {
		return err
	}
	return caserun.Run(ctx, pos[0], opts, stdout, os.Stderr)
}

func runMesh(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mesh", flag.ContinueOnError)
	out := fs.String("out", "", "folder to write the meshes to")
	format := fs.String("format", "obj,glb", "formats, comma-separated: obj, stl, glb")
	names := fs.String("labels", "", "labels to mesh, comma-separated names (default: every label present)")
	smooth := fs.String("smooth", "auto", "auto (each label's settings), organ, vessel or raw")
	decimate := fs.String("decimate", "", "fraction of triangles to keep (0.5), largest error (0.2mm), or both (0.5,0.2mm)")
	noNormals := fs.Bool("no-normals", false, "leave vertex normals out")
	table := fs.String("table", "", "label table YAML for names, colours and settings (default: kidney3d's; none: name every label label_<value>)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *out == "" {
		return usageError{errors.New("--out is required")}
	}
	opts := export.Options{Input: pos[0], Out: *out, Smooth: *smooth, NoNormals: *noNormals}
	if opts.Formats, err = meshio.ParseFormats(*format); err != nil {
		return usageError{err}
	}
	if opts.Decimate, err = mesh.ParseDecimation(*decimate); err != nil {
		return usageError{err}
	}
	if *smooth != "auto" {
		if _, err := mesh.Profile(*smooth); err != nil {
			return usageError{err}
		}
	}
	if *names != "" {
		opts.Labels = strings.Split(*names, ",")
	}
	switch *table {
	case "":
	case "none":
		opts.Table = labels.None()
	default:
		if opts.Table, err = labels.Load(*table); err != nil {
			return err
		}
	}
	sum, err := export.Run(ctx, opts)
	if err != nil {
		return err
	}
	return sum.WriteText(stdout)
}

func runImport(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	out := fs.String("out", "", "case folder to write")
	list := fs.Bool("list", false, "list the series and their phase guesses; write nothing")
	phase := fs.String("phase", "", "series of each phase, PHASE=SERIES_ID[,...] (IDs as --list shows them)")
	keepIdentity := fs.Bool("keep-identity", false, "write the patient's name and ID into case.json")
	fillGaps := fs.Bool("fill-gaps", false, "interpolate the slices missing from a series (recorded in case.json) instead of refusing it")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args, 1, 1<<20)
	if err != nil {
		return err
	}
	if *list {
		if *out != "" || *phase != "" || *keepIdentity {
			return usageError{errors.New("--list writes nothing: it takes no --out, --phase or --keep-identity")}
		}
		return listDICOM(ctx, pos, dicomseries.Options{FillGaps: *fillGaps}, *asJSON, stdout)
	}
	if *out == "" {
		return usageError{errors.New("--out is required")}
	}
	opts := dicomimport.Options{Sources: pos, Case: *out, KeepIdentity: *keepIdentity, FillGaps: *fillGaps}
	if *phase != "" {
		if opts.Phases, err = dicomimport.ParsePhases(*phase); err != nil {
			return usageError{err}
		}
	}
	if !*asJSON {
		opts.Progress = stdout
	}
	rec, err := dicomimport.Import(ctx, opts)
	var option dicomimport.OptionError
	if errors.As(err, &option) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return rec.WriteJSON(stdout)
	}
	return rec.WriteText(stdout)
}

// listDICOM prints the series table of DICOM sources.
func listDICOM(ctx context.Context, sources []string, opts dicomseries.Options, asJSON bool, stdout io.Writer) error {
	l, err := dicomimport.ListWith(ctx, sources, opts)
	if err != nil {
		return err
	}
	if asJSON {
		return l.WriteJSON(stdout)
	}
	return l.WriteText(stdout)
}

func runImportMasks(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import-masks", flag.ContinueOnError)
	from := fs.String("from", "", "the tool that made the masks, as the mask alias table names it (totalsegmentator)")
	out := fs.String("out", "", "case folder whose input/masks receives them")
	overwrite := fs.Bool("overwrite", false, "replace masks already in input/masks")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *from == "" || *out == "" {
		return usageError{errors.New("--from and --out are required")}
	}
	if _, err := maskimport.Default().Tool(*from); err != nil {
		return usageError{err}
	}
	res, err := maskimport.Import(ctx, maskimport.Options{Source: pos[0], Tool: *from, Case: *out, Overwrite: *overwrite})
	if err != nil {
		return err
	}
	if *asJSON {
		return res.WriteJSON(stdout)
	}
	return res.WriteText(stdout)
}

func runEdit(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("edit", flag.ContinueOnError)
	ops := fs.String("ops", "", "JSON list of edit operations (README \"Editing\")")
	msg := fs.String("message", "", "comment saved with the version")
	author := fs.String("author", "", "author saved with the version (default $USER)")
	recover := fs.Bool("recover", false, "first replay the unsaved strokes of a session that did not end")
	discard := fs.Bool("discard", false, "first drop the unsaved strokes of a session that did not end")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	o := caseedit.Options{Case: pos[0], Ops: *ops, Message: *msg, Author: *author}
	switch {
	case *recover && *discard:
		return usageError{errors.New("--recover and --discard exclude each other")}
	case *recover:
		o.Recovery = editsession.Recover
	case *discard:
		o.Recovery = editsession.Discard
	case *ops == "":
		return usageError{errors.New("--ops is required")}
	}
	res, err := caseedit.Edit(ctx, o)
	if err != nil {
		return err
	}
	if *asJSON {
		return res.WriteJSON(stdout)
	}
	return res.WriteText(stdout)
}

func runVersions(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("versions", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	compare := fs.Bool("compare", false, "compare two versions: versions CASE --compare A B (0: the pipeline's output)")
	pos, err := parse(fs, args, 1, 3)
	if err != nil {
		return err
	}
	if *compare || len(pos) > 1 {
		return compareVersions(pos, *compare, *asJSON, stdout)
	}
	l, err := caseedit.Versions(pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return l.WriteJSON(stdout)
	}
	return l.WriteText(stdout)
}

// compareVersions is `versions CASE --compare A B`.
func compareVersions(pos []string, compare, asJSON bool, stdout io.Writer) error {
	if !compare || len(pos) != 3 {
		return usageError{errors.New("versions CASE --compare A B: two version numbers")}
	}
	var n [2]int
	for i, a := range pos[1:] {
		v, err := strconv.Atoi(a)
		if err != nil || v < 0 {
			return usageError{fmt.Errorf("--compare: %q is not a version number", a)}
		}
		n[i] = v
	}
	c, err := casefile.Open(pos[0])
	if err != nil {
		return err
	}
	r, err := editversions.CompareVersions(c, n[0], n[1], labels.Default())
	if err != nil {
		return err
	}
	if asJSON {
		return atomicfile.EncodeJSON(stdout, r)
	}
	return r.WriteText(stdout)
}

func runRevert(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("revert", flag.ContinueOnError)
	to := fs.Int("to", -1, "the version to restore (0: the pipeline's output)")
	author := fs.String("author", "", "author saved with the version (default $USER)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *to < 0 {
		return usageError{errors.New("--to N is required (N ≥ 0)")}
	}
	v, err := caseedit.Revert(ctx, pos[0], *to, *author)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "saved version %d (%s), a copy of version %d\n", v.Version, v.File, *to)
	return err
}

func runRender(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	out := fs.String("png", "", "PNG file to write")
	viewName := fs.String("view", "anterior", "anterior, posterior, left, right, superior or inferior")
	size := fs.String("size", "1280x800", "picture size WxH in pixels")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *out == "" {
		return usageError{errors.New("--png is required")}
	}
	view, err := render.ParseView(*viewName)
	if err != nil {
		return usageError{err}
	}
	w, h, err := render.ParseSize(*size)
	if err != nil {
		return usageError{err}
	}
	if err := dicomimport.CheckCaseNotDICOM(pos[0]); err != nil {
		return err
	}
	if err := render.SnapshotPNG(pos[0], *out, view, w, h); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%dx%d, %s view)\n", *out, w, h, view)
	return nil
}

func runReport(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	pdfOut := fs.String("pdf", "", "write the printable plan to this PDF file")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	margin := fs.Float64("margin", stages.DefaultResectionMarginMM, "resection margin in mm for the remaining parenchyma")
	noViews := fs.Bool("no-views", false, "leave the 3D views out of the PDF (no OpenGL needed)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if !(*margin >= 0) || *margin > 100 {
		return usageError{fmt.Errorf("--margin %g: want 0 to 100 mm", *margin)}
	}
	c, err := casefile.Open(pos[0])
	if err != nil {
		return err
	}
	opts := plandoc.Options{MarginMM: *margin, NoViews: *noViews, Software: "kidney3d " + buildVersion()}
	if *pdfOut != "" {
		plan, err := plandoc.Make(ctx, c, opts)
		if err != nil {
			return err
		}
		if err := planreport.Write(*pdfOut, plan); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *pdfOut)
		return nil
	}
	rep, _, err := plandoc.Measure(ctx, c, *margin)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	for _, t := range rep.Tumors {
		fmt.Fprintf(stdout, "tumour %d (%s): %.1f mL, max diameter %.1f mm (%.1f × %.1f × %.1f)\n", t.Index, t.Kidney, t.VolumeML, t.MaxDiameterMM, t.DiametersMM[0], t.DiametersMM[1], t.DiametersMM[2])
		if t.Renal != nil {
			fmt.Fprintf(stdout, "  R.E.N.A.L. %s  PADUA %s  C-index %.2f\n", t.Renal.Text, t.Padua.Text, *t.CIndexScore)
		}
	}
	for _, k := range rep.Kidneys {
		fmt.Fprintf(stdout, "%s: %.1f mL, %.1f mL left after resection (margin %g mm), %d renal arteries, %d veins\n", k.Name, k.VolumeML, k.RemainingML, k.ResectionMarginMM, k.Arteries, k.Veins)
	}
	var shown []string
	for _, s := range rep.Structures {
		shown = append(shown, s.Name)
	}
	if n := rep.Notice(shown); n != "" {
		fmt.Fprintln(stdout, n)
	}
	return nil
}

// buildVersion is the module version and VCS revision of the binary.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version)"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 7 {
			v += " " + s.Value[:7]
		}
	}
	return v
}

func runModels(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "check") {
		return usageError{errors.New("want list or check")}
	}
	fs := flag.NewFlagSet("models", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON (list)")
	device := fs.String("device", "auto", "auto, cpu or gpu (check)")
	cat := modelpkg.Catalogue{Dirs: modelpkg.DefaultDirs(), Builtin: assets.Models()}
	if args[0] == "list" {
		if _, err := parse(fs, args[1:], 0, 0); err != nil {
			return err
		}
		return modelcheck.List(stdout, cat, *asJSON)
	}
	pos, err := parse(fs, args[1:], 1, 1)
	if err != nil {
		return err
	}
	provider, err := ort.ParseProvider(*device)
	if err != nil {
		return usageError{err}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return modelcheck.Check(ctx, stdout, pos[0], cat, provider, log)
}

// subcommand splits "library add …" into its verb and the rest, checking
// the verb is one of verbs.
func subcommand(args []string, verbs ...string) (string, []string, error) {
	if len(args) == 0 || !slices.Contains(verbs, args[0]) {
		return "", nil, usageError{fmt.Errorf("want %s", strings.Join(verbs, ", "))}
	}
	return args[0], args[1:], nil
}

// dbFlag adds --db, the library database (default librarydb.DefaultPath).
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "library database (default $"+librarydb.EnvPath+", else library.db in the user's config folder)")
}

// openLibrary opens the library database that --db names (flagValue),
// else the default one, and returns its path.
func openLibrary(flagValue string) (*caselibrary.Library, string, error) {
	path := flagValue
	if path == "" {
		var err error
		if path, err = librarydb.DefaultPath(); err != nil {
			return nil, "", err
		}
	}
	lib, err := caselibrary.Open(path)
	return lib, path, err
}

func runLibrary(ctx context.Context, args []string, stdout io.Writer) error {
	verb, args, err := subcommand(args, "add", "list", "search", "rebuild", "signoff", "review")
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("library "+verb, flag.ContinueOnError)
	db := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON (list, search)")
	status := fs.String("status", "", "only cases with this status (list): "+strings.Join(caselibrary.Statuses, ", "))
	limit := fs.Int("limit", 10, "most results (search)")
	by := fs.String("by", "", "the reviewer's name (signoff, review)")
	arity := map[string][2]int{"add": {1, 1 << 20}, "search": {1, 1 << 20}, "signoff": {1, 1}, "review": {1, 1}}[verb]
	pos, err := parse(fs, args, arity[0], arity[1])
	if err != nil {
		return err
	}
	st := strings.ReplaceAll(*status, "-", " ")
	if st != "" && !slices.Contains(caselibrary.Statuses, st) {
		return usageError{fmt.Errorf("--status %q: want one of %s", *status, strings.Join(caselibrary.Statuses, ", "))}
	}
	if (verb == "signoff" || verb == "review") && *by == "" {
		return usageError{errors.New("--by NAME is required")}
	}
	lib, _, err := openLibrary(*db)
	if err != nil {
		return err
	}
	defer lib.Close()
	switch verb {
	case "add":
		for _, p := range pos {
			n, err := lib.Add(ctx, p)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: %d case(s) indexed\n", p, n)
		}
		return nil
	case "rebuild":
		n, err := lib.Rebuild(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d case(s) indexed from their folders\n", n)
		return nil
	case "list":
		if _, err := lib.Sync(ctx); err != nil {
			return err
		}
		es, err := lib.List(ctx, st)
		if err != nil {
			return err
		}
		if *asJSON {
			return atomicfile.EncodeJSON(stdout, es)
		}
		return caselibrary.WriteList(stdout, es)
	case "search":
		hits, err := lib.Search(ctx, strings.Join(pos, " "), *limit)
		if err != nil {
			return err
		}
		if *asJSON {
			return atomicfile.EncodeJSON(stdout, hits)
		}
		return caselibrary.WriteHits(stdout, hits)
	}
	mark := lib.SignOff
	if verb == "review" {
		mark = lib.MarkReviewed
	}
	e, err := mark(ctx, pos[0], *by)
	if err != nil {
		return err
	}
	return caselibrary.WriteList(stdout, []caselibrary.Entry{e})
}

func runQueue(ctx context.Context, args []string, stdout io.Writer) error {
	verb, args, err := subcommand(args, "add", "list", "cancel", "pause", "resume", "run")
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("queue "+verb, flag.ContinueOnError)
	db := dbFlag(fs)
	prio := fs.String("priority", "normal", "urgent, normal or batch (add)")
	device := fs.String("device", "auto", "auto, cpu or gpu (add)")
	asJSON := fs.Bool("json", false, "print JSON (list)")
	all := fs.Bool("all", false, "also the finished jobs (list)")
	gpus := fs.Int("gpus", 0, "GPU devices, one job on each at a time (run)")
	cpuJobs := fs.Int("cpu-jobs", 1, "jobs at a time on the CPU (run)")
	untilEmpty := fs.Bool("until-empty", false, "end once no job is queued or running (run)")
	arity := map[string][2]int{"add": {1, 1 << 20}, "cancel": {1, 1}, "pause": {1, 1}, "resume": {1, 1}}[verb]
	pos, err := parse(fs, args, arity[0], arity[1])
	if err != nil {
		return err
	}
	p, err := jobqueue.ParsePriority(*prio)
	if err != nil {
		return usageError{err}
	}
	lib, path, err := openLibrary(*db)
	if err != nil {
		return err
	}
	defer lib.Close()
	q, err := jobqueue.Open(path)
	if err != nil {
		return err
	}
	defer q.Close()
	switch verb {
	case "add":
		for _, dir := range pos {
			j, err := q.Add(ctx, dir, p, *device)
			if err != nil {
				return err
			}
			if _, err := lib.Refresh(ctx, j.Dir); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "job %d: %s (%s)\n", j.ID, j.Dir, j.Priority)
		}
		return nil
	case "list":
		js, err := q.List(ctx, *all)
		if err != nil {
			return err
		}
		if *asJSON {
			return atomicfile.EncodeJSON(stdout, js)
		}
		return jobqueue.WriteList(stdout, js)
	case "run":
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		r := &jobqueue.Runner{Queue: q, Exe: exe, GPUs: *gpus, CPUJobs: *cpuJobs, UntilEmpty: *untilEmpty, Log: stdout,
			Finished: func(j jobqueue.Job) { _, _ = lib.Refresh(context.Background(), j.Dir) }}
		return r.Run(ctx)
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return usageError{fmt.Errorf("job ID %q: not a number", pos[0])}
	}
	change := map[string]func(context.Context, int64) error{"cancel": q.Cancel, "pause": q.Pause, "resume": q.Resume}[verb]
	if err := change(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "job %d: %s\n", id, map[string]string{"cancel": jobqueue.Cancelled, "pause": jobqueue.Paused, "resume": jobqueue.Queued}[verb])
	return nil
}

// brokerFlags adds the flags that say how to reach RabbitMQ.
func brokerFlags(fs *flag.FlagSet) *broker.Config {
	var c broker.Config
	fs.StringVar(&c.URL, "broker", "", "the broker, amqp[s]://HOST[:PORT]/[VHOST] (no password: see --broker-credentials)")
	fs.StringVar(&c.Credentials, "broker-credentials", "", "file whose first line is USER:PASSWORD (default $"+broker.EnvUser+" and $"+broker.EnvPassword+")")
	fs.StringVar(&c.CA, "ca", "", "PEM file of the certificate authorities trusted for amqps (default the system's)")
	return &c
}

// needBrokerAndRoot checks the flags both worker and submit require.
func needBrokerAndRoot(c *broker.Config, root string) error {
	if c.URL == "" || root == "" {
		return usageError{errors.New("--broker URL and --root DIR are required")}
	}
	return nil
}

func runWorker(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	cfg := brokerFlags(fs)
	root := fs.String("root", "", "the shared folder the jobs' cases are under")
	gpus := fs.Int("gpus", 0, "GPU devices, one job on each at a time (none: one job at a time on the CPU)")
	host, _ := os.Hostname()
	id := fs.String("id", fmt.Sprintf("%s-%d", host, os.Getpid()), "this worker's name in leases and progress events")
	attempts := fs.Int("attempts", 3, "failed runs after which a job goes to the dead-letter queue")
	retryDelay := fs.Duration("retry-delay", 10*time.Second, "how long a failed job waits in the broker before it runs again (doubled at each further failure, at most 10m)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if err := needBrokerAndRoot(cfg, *root); err != nil {
		return err
	}
	if *retryDelay < time.Millisecond {
		return usageError{fmt.Errorf("--retry-delay %s: want at least 1ms", *retryDelay)}
	}
	if st, err := os.Stat(*root); err != nil || !st.IsDir() {
		return fmt.Errorf("--root %s: not a folder", *root)
	}
	if _, err := cfg.Dial(); err != nil && !isNetError(err) {
		return err // a bad URL or credentials file; an absent broker is waited for
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	w := &remoteworker.Worker{Dial: cfg.Dial, Root: *root, Exe: exe, ID: *id, GPUs: *gpus, MaxAttempts: *attempts, RetryDelay: *retryDelay, Log: stdout}
	if err := w.Run(ctx); err != nil {
		return err
	}
	return ctx.Err()
}

// isNetError says whether a dial failed for the network (the broker not
// there yet) rather than for its settings.
func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

func runSubmit(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("submit", flag.ContinueOnError)
	cfg := brokerFlags(fs)
	root := fs.String("root", "", "the shared folder the workers' --root names, which holds the cases")
	prio := fs.String("priority", "normal", "urgent, normal or batch")
	device := fs.String("device", "auto", "auto, cpu or gpu")
	watch := fs.Bool("watch", false, "follow the jobs' progress until each ends")
	asJSON := fs.Bool("json", false, "print each job and progress event as a line of JSON")
	cancel := fs.Bool("cancel", false, "cancel each case's job submitted last (its remote-job.json), which its worker stops within a second")
	cases, err := parse(fs, args, 1, 1<<20)
	if err != nil {
		return err
	}
	if *cancel {
		for _, c := range cases {
			job, err := jobsubmit.Cancel(c)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "job %s: %s cancelled\n", job, c)
		}
		return nil
	}
	if err := needBrokerAndRoot(cfg, *root); err != nil {
		return err
	}
	if _, err := jobqueue.ParsePriority(*prio); err != nil {
		return usageError{err}
	}
	ms, err := jobsubmit.Messages(*root, cases, *prio, *device, time.Now())
	if err != nil {
		return err
	}
	return jobsubmit.Publish(ctx, cfg.Dial, *root, ms, stdout, *watch, *asJSON)
}
