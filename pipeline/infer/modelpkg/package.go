package modelpkg

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"kidney3d/pipeline/limits"
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

	// fsys holds a built-in package (nil for an installed one, read from
	// Source through limits.ReadFile).
	fsys fs.FS
	dir  string
}

// ONNX reads the network: a regular file of at most
// limits.MaxNetworkBytes.
func (p *Package) ONNX() ([]byte, error) {
	return p.read(NetworkFile, limits.MaxNetworkBytes)
}

// read reads the package's file name, of at most max bytes.
func (p *Package) read(name string, max int64) ([]byte, error) {
	var b []byte
	var err error
	if p.fsys == nil {
		b, err = limits.ReadFile(filepath.Join(p.Source, name), max)
	} else {
		b, err = fs.ReadFile(p.fsys, path.Join(p.dir, name))
	}
	if err != nil {
		return nil, p.error(name, unwrapPathError(err))
	}
	return b, nil
}

// error is err about the package's file name; the package is named by its
// manifest's name once that is read, else by its folder's.
func (p *Package) error(name string, err error) *Error {
	pkg := filepath.Base(p.Source)
	if p.Manifest != nil {
		pkg = p.Name
	}
	return &Error{Package: pkg, File: p.File(name), Err: err}
}

// File is where the package's file name is, for messages.
func (p *Package) File(name string) string {
	if strings.HasPrefix(p.Source, BuiltinPrefix) {
		return p.Source + "/" + name
	}
	return filepath.Join(p.Source, name)
}

// Load reads the package in folder dir: model.json of at most
// limits.MaxManifestBytes and the start of model.onnx, both regular files.
func Load(dir string) (*Package, error) {
	return load(&Package{Source: dir})
}

// load reads the manifest of p, whose Source, fsys and dir are set, and
// checks its network.
func load(p *Package) (*Package, error) {
	data, err := p.read(ManifestFile, limits.MaxManifestBytes)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(data, p.File(ManifestFile))
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Package = filepath.Base(p.Source)
		}
		return nil, err
	}
	p.Manifest = m
	if err := p.checkNetwork(); err != nil {
		return nil, p.error(NetworkFile, err)
	}
	return p, nil
}

// checkNetwork makes sure the network file is a regular file of 1 to
// limits.MaxNetworkBytes bytes that starts as an ONNX ModelProto does
// (field 1, ir_version, as a varint); ONNX Runtime checks the rest when a
// session is made.
func (p *Package) checkNetwork() error {
	var f fs.File
	var err error
	if p.fsys == nil {
		f, err = limits.OpenRegular(filepath.Join(p.Source, NetworkFile))
	} else {
		f, err = p.fsys.Open(path.Join(p.dir, NetworkFile))
	}
	if err != nil {
		return unwrapPathError(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return unwrapPathError(err)
	}
	switch {
	case st.Size() == 0:
		return errors.New("empty file, want an ONNX model")
	case st.Size() > limits.MaxNetworkBytes:
		return fmt.Errorf("%w: %d bytes, over the limit of %d bytes", limits.ErrTooLarge, st.Size(), int64(limits.MaxNetworkBytes))
	}
	var head [1]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return fmt.Errorf("reading the first byte: %w", err)
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
	pkgs, problems, _ = c.scan()
	return pkgs, problems
}

// scan is List, with the broken installed packages that take a name (their
// manifest's, or their folder's when the manifest cannot be read) before
// any valid package of that name: a built-in package never stands in for
// a broken installed one.
func (c Catalogue) scan() (pkgs []*Package, problems []error, broken map[string]*Error) {
	taken := map[string]bool{}
	broken = map[string]*Error{}
	// add keeps the first package of each name and every problem.
	add := func(p *Package, err error) {
		var e *Error
		switch {
		case errors.As(err, &e) && e.Package != "":
			problems = append(problems, err)
			if !taken[e.Package] {
				taken[e.Package] = true
				broken[e.Package] = e
			}
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
		return pkgs, problems, broken
	}
	entries, err := fs.ReadDir(c.Builtin, ".")
	if err != nil {
		return pkgs, append(problems, fmt.Errorf("built-in models: %w", err)), broken
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		add(load(&Package{Source: BuiltinPrefix + e.Name(), fsys: c.Builtin, dir: e.Name()}))
	}
	return pkgs, problems, broken
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
	pkgs, problems, broken := c.scan()
	for _, p := range pkgs {
		if p.Name == ref {
			return p, nil
		}
	}
	if e, ok := broken[ref]; ok {
		return nil, fmt.Errorf("%w (installed but broken: a built-in package of that name does not stand in for it)", e)
	}
	names := make([]string, len(pkgs))
	for i, p := range pkgs {
		names[i] = p.Name
	}
	err := fmt.Errorf("no model package named %s (installed: %s; searched %s and the built-in packages)",
		limits.Quote(ref), orNone(names), orNone(c.Dirs))
	return nil, errors.Join(append([]error{err}, problems...)...)
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
