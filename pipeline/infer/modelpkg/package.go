package modelpkg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// File names inside a package folder.
const (
	ManifestFile = "model.json"
	NetworkFile  = "model.onnx"
)

// BuiltinPrefix marks the source of a package embedded in the binary.
const BuiltinPrefix = "built-in:"

// Package is a model package: its manifest and where its network is read
// from.
type Package struct {
	*Manifest
	// Source is the package's folder, or "built-in:<name>" for a package
	// embedded in the binary.
	Source string

	fsys fs.FS
	dir  string
}

// ONNX reads the network.
func (p *Package) ONNX() ([]byte, error) {
	b, err := fs.ReadFile(p.fsys, path.Join(p.dir, NetworkFile))
	if err != nil {
		return nil, &Error{File: p.file(NetworkFile), Err: err}
	}
	return b, nil
}

func (p *Package) file(name string) string {
	if strings.HasPrefix(p.Source, BuiltinPrefix) {
		return p.Source + "/" + name
	}
	return filepath.Join(p.Source, name)
}

// Load reads the package in folder dir.
func Load(dir string) (*Package, error) {
	return load(os.DirFS(dir), ".", dir)
}

// load reads the package at dir inside fsys; source names it in errors.
func load(fsys fs.FS, dir, source string) (*Package, error) {
	p := &Package{Source: source, fsys: fsys, dir: dir}
	data, err := fs.ReadFile(fsys, path.Join(dir, ManifestFile))
	if err != nil {
		return nil, &Error{File: p.file(ManifestFile), Err: unwrapPathError(err)}
	}
	m, err := ParseManifest(data, p.file(ManifestFile))
	if err != nil {
		return nil, err
	}
	p.Manifest = m
	if err := checkNetwork(fsys, path.Join(dir, NetworkFile)); err != nil {
		return nil, &Error{File: p.file(NetworkFile), Err: err}
	}
	return p, nil
}

// checkNetwork makes sure the network file is there and starts as an ONNX
// ModelProto does (field 1, ir_version, as a varint); ONNX Runtime checks
// the rest when a session is made.
func checkNetwork(fsys fs.FS, name string) error {
	f, err := fsys.Open(name)
	if err != nil {
		return unwrapPathError(err)
	}
	defer f.Close()
	var head [1]byte
	if _, err := f.Read(head[:]); err != nil {
		return errors.New("empty file, want an ONNX model")
	}
	if head[0] != 0x08 {
		return errors.New("not an ONNX model (no ir_version field at the start)")
	}
	return nil
}

// unwrapPathError drops the path that the caller's error names already.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("no such file")
		}
		return pe.Err
	}
	return err
}

// Catalogue is where packages are looked up: installed folders first, then
// the packages built into the binary.
type Catalogue struct {
	// Dirs are folders holding one package folder each.
	Dirs []string
	// Builtin holds one package folder per name (may be nil).
	Builtin fs.FS
}

// DefaultDirs are the folders searched for installed packages: the list in
// $KIDNEY3D_MODELS, the user's configuration folder (kidney3d/models) and
// share/kidney3d/models beside the installed binary.
func DefaultDirs() []string {
	var dirs []string
	if env := os.Getenv("KIDNEY3D_MODELS"); env != "" {
		dirs = append(dirs, filepath.SplitList(env)...)
	}
	if cfg, err := os.UserConfigDir(); err == nil {
		dirs = append(dirs, filepath.Join(cfg, "kidney3d", "models"))
	}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Join(filepath.Dir(exe), "..", "share", "kidney3d", "models"))
	}
	return dirs
}

// List returns every package found, installed ones first (by folder, then
// name), then built-in ones whose name no installed package takes. Folders
// that are not valid packages are reported in problems, not silently
// skipped; a search folder that does not exist is not a problem.
func (c Catalogue) List() (pkgs []*Package, problems []error) {
	taken := map[string]bool{}
	// add keeps the first package of each name and every problem.
	add := func(p *Package, err error) {
		switch {
		case err != nil:
			problems = append(problems, err)
		case !taken[p.Name]:
			pkgs = append(pkgs, p)
			taken[p.Name] = true
		}
	}
	for _, d := range c.Dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				problems = append(problems, fmt.Errorf("model folder %s: %w", d, unwrapPathError(err)))
			}
			continue
		}
		for _, e := range entries {
			if !isDir(d, e) {
				continue
			}
			add(Load(filepath.Join(d, e.Name())))
		}
	}
	if c.Builtin == nil {
		return pkgs, problems
	}
	entries, err := fs.ReadDir(c.Builtin, ".")
	if err != nil {
		return pkgs, append(problems, fmt.Errorf("built-in models: %w", err))
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		add(load(c.Builtin, e.Name(), BuiltinPrefix+e.Name()))
	}
	return pkgs, problems
}

// isDir follows symbolic links, so that a package can be linked in.
func isDir(dir string, e os.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	fi, err := os.Stat(filepath.Join(dir, e.Name()))
	return err == nil && fi.IsDir()
}

// Find returns the package a stage's configuration names: a folder path
// (absolute, or containing a path separator) is loaded as is; anything
// else is a package name looked up in the catalogue.
func (c Catalogue) Find(ref string) (*Package, error) {
	if ref == "" {
		return nil, errors.New("no model package named")
	}
	if filepath.IsAbs(ref) || strings.ContainsAny(ref, `/\`) {
		return Load(ref)
	}
	pkgs, problems := c.List()
	for _, p := range pkgs {
		if p.Name == ref {
			return p, nil
		}
	}
	names := make([]string, len(pkgs))
	for i, p := range pkgs {
		names[i] = p.Name
	}
	err := fmt.Errorf("no model package named %q (installed: %s; searched %s and the built-in packages)",
		ref, orNone(names), orNone(c.Dirs))
	return nil, errors.Join(append([]error{err}, problems...)...)
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
