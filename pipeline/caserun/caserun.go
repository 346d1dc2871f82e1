// Package caserun is `kidney3d run`: it opens a case, composes the
// pipeline from config.yaml, sets up the case's structured log and runs the
// orchestrator, reporting progress as a terminal bar or as NDJSON events.
package caserun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/config"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/orchestrate"
	_ "kidney3d/pipeline/stages" // the built-in stages
)

// Version is the program version recorded in manifests.
const Version = "0.1.0"

// Options are the command line's choices.
type Options struct {
	Config string   // config.yaml; "" for CASE/config.yaml if present, else the default
	Device string   // auto, cpu or gpu
	Force  []string // stages to rerun
	JSON   bool     // NDJSON events on stdout instead of a bar on stderr
	// Wait makes a run on a case that another process holds wait for it,
	// saying so on stderr, instead of failing at once.
	Wait bool
	// Events, when set, receives every progress event instead of the bar
	// or the JSON lines (the desktop app's pipeline panel); it is called
	// from several goroutines, one call at a time.
	Events func(orchestrate.Event)
}

// OptionError is an Options value that cannot be run: on the command
// line, a usage error.
type OptionError struct{ error }

func (e OptionError) Unwrap() error { return e.error }

// Run runs the pipeline on the case folder dir; without opts.Events or
// opts.JSON it shows progress on stderr and ends with the case's results
// on stdout (casefile.Case.WriteResults). Once the options and the
// configuration are checked, it takes the case's lock (casefile.Lock) and
// holds it to the end: when another process holds it, Run fails at once
// with a *casefile.BusyError, or with opts.Wait says so and waits.
func Run(ctx context.Context, dir string, opts Options, stdout, stderr io.Writer) error {
	if !slices.Contains([]string{"auto", "cpu", "gpu"}, opts.Device) {
		return OptionError{fmt.Errorf("--device %q: want auto, cpu or gpu", opts.Device)}
	}
	c, err := casefile.Open(dir)
	if err != nil {
		return err
	}
	cfgPath := opts.Config
	if cfgPath == "" {
		if p := filepath.Join(dir, "config.yaml"); fileExists(p) {
			cfgPath = p
		}
	}
	cfg, source, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	table := labels.Default()
	if cfg.Labels != "" {
		if table, err = labels.Load(cfg.Labels); err != nil {
			return err
		}
	}
	stages, err := cfg.Build(source, table)
	if err != nil {
		return err
	}
	if err := orchestrate.CheckForce(stages, opts.Force); err != nil {
		return OptionError{err}
	}
	var waiting func(casefile.Holder)
	if opts.Wait {
		waiting = func(h casefile.Holder) {
			fmt.Fprintf(stderr, "kidney3d: %s is working on %s; waiting for it (Ctrl-C to stop)\n", h, dir)
		}
	}
	lock, err := c.Lock(ctx, "kidney3d run", waiting)
	var busy *casefile.BusyError
	if errors.As(err, &busy) {
		return fmt.Errorf("%w; run again later, or with --wait", err)
	}
	if err != nil {
		return err
	}
	defer lock.Unlock()
	logFile, err := os.OpenFile(c.LogPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	handlers := []slog.Handler{slog.NewJSONHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo})}
	if app, err := openAppLog(); err == nil {
		defer app.Close()
		handlers = append(handlers, slog.NewJSONHandler(app, &slog.HandlerOptions{Level: slog.LevelInfo}))
	} else {
		fmt.Fprintf(stderr, "kidney3d: no application log: %v\n", err)
	}
	log := slog.New(slog.NewMultiHandler(handlers...)).With("case", dir)
	log.Info("run started", "stage", "pipeline", "config", source, "device", opts.Device, "force", opts.Force)

	events := opts.Events
	var bar *bar
	switch {
	case events != nil:
	case opts.JSON:
		enc := json.NewEncoder(stdout)
		events = func(e orchestrate.Event) { enc.Encode(e) }
	default:
		bar = newBar(stderr, stageNames(stages))
		defer bar.finish()
		events = bar.update
	}
	err = orchestrate.Run(ctx, c, stages, orchestrate.Options{
		Program: Version, Device: opts.Device, Force: opts.Force, Log: log, Events: events, Lock: lock,
	})
	switch {
	case errors.Is(err, context.Canceled):
		log.Warn("run cancelled", "stage", "pipeline")
		return fmt.Errorf("%s: cancelled; run again to resume", dir)
	case err != nil:
		log.Error("run failed", "stage", "pipeline", "err", err.Error())
		return err
	}
	log.Info("run finished", "stage", "pipeline")
	if bar == nil {
		return nil
	}
	// On a terminal, the results as they now stand: their structures,
	// what could not be made and why, and the not-for-clinical-use notice
	// (not the phases' HU ranges, which would decode every phase again).
	bar.finish()
	fmt.Fprintf(stdout, "case %s\n", dir)
	return c.WriteResults(stdout)
}

// AppLogEnv names the environment variable that moves the application log.
const AppLogEnv = "KIDNEY3D_LOG"

// openAppLog opens the application log, which collects every case's lines:
// $KIDNEY3D_LOG, else kidney3d/kidney3d.log in the user's cache folder.
func openAppLog() (*os.File, error) {
	path := os.Getenv(AppLogEnv)
	if path == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, err
		}
		path = filepath.Join(dir, "kidney3d", "kidney3d.log")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
