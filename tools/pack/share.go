package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
)

// mimeNIfTI is the MIME type kidney3d gives NIfTI files: Debian 12's
// shared-mime-info has none.
const mimeNIfTI = "application/x-nifti"

func runShare(args []string) error {
	fs := flag.NewFlagSet("share", flag.ContinueOnError)
	appFile := fs.String("app", "FyneApp.toml", "Fyne metadata")
	version := fs.String("version", "", "kidney3d's version")
	date := fs.String("date", "", "the release date, YYYY-MM-DD")
	out := fs.String("out", "", "the share folder to fill (usr/share)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	app, err := readApp(*appFile)
	if err != nil {
		return err
	}
	id := app.Details.ID
	for path, text := range map[string]string{
		filepath.Join("applications", id+".desktop"):      desktopEntry(app),
		filepath.Join("metainfo", id+".metainfo.xml"):     metainfo(app, *version, *date),
		filepath.Join("mime", "packages", "kidney3d.xml"): mimeTypes,
	} {
		if err := writeFile(filepath.Join(*out, path), []byte(text)); err != nil {
			return err
		}
	}
	return nil
}

// desktopEntry is the launcher: it opens the app, or the case folder or
// file given ("Open with").
func desktopEntry(app fyneApp) string {
	l := app.LinuxAndBSD
	return fmt.Sprintf(`[Desktop Entry]
Type=Application
Name=%s
GenericName=%s
Comment=%s
Exec=kidney3d view %%f
Icon=%s
Terminal=false
Categories=%s;
Keywords=%s;
MimeType=%s;application/dicom;inode/directory;
StartupWMClass=%s
`, app.Details.Name, l.GenericName, l.Comment, app.Details.ID,
		strings.Join(l.Categories, ";"), strings.Join(l.Keywords, ";"), mimeNIfTI, app.Details.Name)
}

// metainfo is the AppStream description software centres show.
func metainfo(app fyneApp, version, date string) string {
	l := app.LinuxAndBSD
	var kw strings.Builder
	for _, k := range l.Keywords {
		fmt.Fprintf(&kw, "    <keyword>%s</keyword>\n", k)
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<component type="desktop-application">
  <id>%s</id>
  <metadata_license>CC0-1.0</metadata_license>
  <name>%s</name>
  <summary>%s</summary>
  <description>
    <p>%s</p>
  </description>
  <launchable type="desktop-id">%s.desktop</launchable>
  <url type="homepage">%s</url>
  <provides>
    <binary>kidney3d</binary>
    <mediatype>%s</mediatype>
  </provides>
  <keywords>
%s  </keywords>
  <releases>
    <release version="%s" date="%s"/>
  </releases>
  <content_rating type="oars-1.1"/>
</component>
`, app.Details.ID, app.Details.Name, l.Comment, about, app.Details.ID, app.Website, mimeNIfTI, kw.String(), version, date)
}

// about is the long description of the app, for software centres and the
// package manager.
const about = "kidney3d turns a patient's multi-phase abdominal CT (a DICOM folder or NIfTI files) into a 3D " +
	"model of the kidneys, tumour, cysts, arteries, veins and collecting system for partial-nephrectomy " +
	"planning. Surgeons rotate, hide and measure structures and read the R.E.N.A.L. score; lab staff review " +
	"and correct every slice and export OBJ, STL and GLB meshes. It works offline, on the GPU where there is one."

// mimeTypes names NIfTI files for the desktop (shared-mime-info's format).
const mimeTypes = `<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="` + mimeNIfTI + `">
    <comment>NIfTI medical image</comment>
    <glob pattern="*.nii"/>
    <glob pattern="*.nii.gz" weight="60"/>
  </mime-type>
</mime-info>
`
