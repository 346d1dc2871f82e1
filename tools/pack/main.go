// Command pack makes the parts of kidney3d's installers that need more
// than a copy: hicolor icons and a Windows icon from assets/icon.png, the
// man page from the command-line help, the Debian changelog, and the .deb
// itself (with nfpm, metadata from FyneApp.toml). It is its own module so
// that nfpm never reaches the app's dependencies or binary. The Makefile
// (`make package`) runs it; every output is the same bytes for the same
// inputs.
//
//	pack icons -src PNG -name NAME -out HICOLOR -ico FILE.ico
//	pack man -usage FILE -version V -date YYYY-MM-DD -out kidney3d.1.gz
//	pack share -app FyneApp.toml -version V -date YYYY-MM-DD -out usr/share
//	pack changelog -version V -date RFC2822 -out changelog.gz
//	pack deb -tree DIR -app FyneApp.toml -version V -depends LIST -out FILE.deb [-name N] [-description TEXT]
//	    [-synopsis LINE] [-suggests LIST]
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: pack icons|man|share|changelog|deb [flags]")
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "icons":
		err = runIcons(args)
	case "man":
		err = runMan(args)
	case "changelog":
		err = runChangelog(args)
	case "share":
		err = runShare(args)
	case "deb":
		err = runDeb(args)
	default:
		fmt.Fprintf(os.Stderr, "pack: unknown command %q\n", cmd)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "pack %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
