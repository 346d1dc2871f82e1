package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	"github.com/goreleaser/nfpm/v2/files"
)

// fyneApp is what pack reads of FyneApp.toml (Fyne's `fyne package`
// metadata).
type fyneApp struct {
	Website string
	Details struct {
		Name, ID, Icon, Version string
	}
	LinuxAndBSD struct {
		GenericName, Comment string
		Categories, Keywords []string
	}
}

func readApp(path string) (fyneApp, error) {
	var a fyneApp
	if _, err := toml.DecodeFile(path, &a); err != nil {
		return a, err
	}
	if a.Details.Name == "" || a.Details.ID == "" || a.LinuxAndBSD.Comment == "" {
		return a, fmt.Errorf("%s: Details.Name, Details.ID and LinuxAndBSD.Comment are needed", path)
	}
	return a, nil
}

func runDeb(args []string) error {
	fs := flag.NewFlagSet("deb", flag.ContinueOnError)
	tree := fs.String("tree", "", "the installed tree: its files go to the same paths under /")
	appFile := fs.String("app", "FyneApp.toml", "Fyne metadata")
	name := fs.String("name", "", "package name (default: the app's name)")
	version := fs.String("version", "", "package version")
	depends := fs.String("depends", "", "Depends, comma-separated")
	suggests := fs.String("suggests", "", "Suggests, comma-separated")
	synopsis := fs.String("synopsis", "", "the one-line description (default: the app's generic name)")
	description := fs.String("description", about, "the long description")
	maintainer := fs.String("maintainer", "", "Name <email>")
	out := fs.String("out", "", "the .deb to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	app, err := readApp(*appFile)
	if err != nil {
		return err
	}
	if *name == "" {
		*name = app.Details.Name
	}
	if *synopsis == "" {
		*synopsis = app.LinuxAndBSD.GenericName
	}
	contents, err := treeContents(*tree)
	if err != nil {
		return err
	}
	info := nfpm.WithDefaults(&nfpm.Info{
		Name:          *name,
		Arch:          "amd64",
		Platform:      "linux",
		Version:       *version,
		VersionSchema: "none",
		Section:       "science",
		Priority:      "optional",
		Maintainer:    *maintainer,
		Homepage:      app.Website,
		Description:   *synopsis + "\n" + wrap(*description, 72),
		Overridables:  nfpm.Overridables{Depends: list(*depends), Suggests: list(*suggests), Contents: contents},
	})
	if err := info.Validate(); err != nil {
		return err
	}
	pkgr, err := nfpm.Get("deb")
	if err != nil {
		return err
	}
	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := pkgr.Package(info, f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, *out)
}

// list splits a comma-separated relationship field into its entries.
func list(field string) []string {
	var out []string
	for _, d := range strings.Split(field, ",") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// treeContents lists every file and symlink under tree as package
// contents at the same path under /, with the tree's modes (nfpm adds
// the folders that hold them).
func treeContents(tree string) (files.Contents, error) {
	var out files.Contents
	err := filepath.WalkDir(tree, func(path string, d os.DirEntry, err error) error {
		if err != nil || path == tree {
			return err
		}
		rel, _ := filepath.Rel(tree, path)
		dst := "/" + filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		c := &files.Content{Destination: dst, FileInfo: &files.ContentFileInfo{Mode: info.Mode().Perm(), Owner: "root", Group: "root"}}
		switch {
		case d.IsDir():
			return nil
		case d.Type()&os.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			c.Type, c.Source = files.TypeSymlink, target
		default:
			c.Source = path
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// wrap breaks text into lines of at most width bytes at spaces.
func wrap(text string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}
