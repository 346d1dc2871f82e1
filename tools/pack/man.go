package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"strings"
)

func runMan(args []string) error {
	fs := flag.NewFlagSet("man", flag.ContinueOnError)
	usage := fs.String("usage", "", "the output of `kidney3d help`")
	version := fs.String("version", "", "kidney3d's version")
	date := fs.String("date", "", "the release date, YYYY-MM-DD")
	out := fs.String("out", "", "the man page to write (.1.gz)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	help, err := os.ReadFile(*usage)
	if err != nil {
		return err
	}
	page, err := manPage(string(help), *version, *date)
	if err != nil {
		return fmt.Errorf("%s: %w", *usage, err)
	}
	gz, err := gzipBytes([]byte(page))
	if err != nil {
		return err
	}
	return writeFile(*out, gz)
}

// manPage turns `kidney3d help` (a "usage:" line, a "  kidney3d …" line
// per command, an "exit codes: …" line) into a roff man page.
func manPage(help, version, date string) (string, error) {
	var synopsis []string
	exit := ""
	sc := bufio.NewScanner(strings.NewReader(help))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "kidney3d"):
			synopsis = append(synopsis, line)
		case strings.HasPrefix(line, "exit codes:"):
			exit = strings.TrimSpace(strings.TrimPrefix(line, "exit codes:"))
		}
	}
	if len(synopsis) == 0 || exit == "" {
		return "", fmt.Errorf("no command lines or no exit codes in the help text")
	}
	var b strings.Builder
	fmt.Fprintf(&b, ".TH KIDNEY3D 1 %q %q \"User Commands\"\n", date, "kidney3d "+version)
	b.WriteString(".SH NAME\nkidney3d \\- kidney CT to 3D model for partial\\-nephrectomy planning\n")
	b.WriteString(".SH SYNOPSIS\n")
	for _, s := range synopsis {
		cmd, rest, _ := strings.Cut(s, " ")
		fmt.Fprintf(&b, ".B %s\n%s\n.br\n", cmd, roff(rest))
	}
	b.WriteString(".SH DESCRIPTION\n" +
		"kidney3d turns a patient's multi\\-phase abdominal CT (a DICOM folder or NIfTI files) into a 3D model " +
		"of the kidneys, tumour, cysts, vessels and collecting system, measures it and lets staff correct it. " +
		"With no command, or with \\fBview\\fR, it opens the desktop app; the other commands work with no display.\n" +
		".PP\nA case is a folder: \\fIinput/\\fR holds the phases (A.nii.gz, P.nii.gz, D.nii.gz), " +
		"\\fIoutput/\\fR the label map, the meshes and report.json. " +
		"\\fBkidney3d demo \\-\\-out DIR\\fR writes a synthetic case to try it on.\n")
	b.WriteString(".SH EXIT STATUS\n" + roff(exit) + "\n")
	b.WriteString(".SH ENVIRONMENT\n" +
		".TP\n.B KIDNEY3D_ONNXRUNTIME\nthe ONNX Runtime library, or the folder holding it " +
		"(default: beside the executable, then /usr/lib/kidney3d)\n" +
		".TP\n.B KIDNEY3D_MODELS\nfolders of installed model packages, separated by colons\n")
	b.WriteString(".SH FILES\n" +
		".TP\n.I /usr/lib/kidney3d/\nONNX Runtime and its execution providers\n" +
		".TP\n.I /usr/share/kidney3d/models/\nmodel packages installed for every user\n" +
		".TP\n.I ~/.config/kidney3d/models/\nmodel packages installed for one user\n")
	b.WriteString(".SH SEE ALSO\n\\fBkidney3d \\-\\-version\\fR; /usr/share/doc/kidney3d/\n")
	return b.String(), nil
}

// roff escapes text for a roff body: backslashes, minus signs and a
// leading dot or quote.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// gzipBytes compresses data with no name and no time in the header, so
// that the same data gives the same bytes.
func gzipBytes(data []byte) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func runChangelog(args []string) error {
	fs := flag.NewFlagSet("changelog", flag.ContinueOnError)
	version := fs.String("version", "", "kidney3d's version")
	date := fs.String("date", "", "the release date, RFC 2822 (date -R)")
	maintainer := fs.String("maintainer", "", "Name <email>")
	out := fs.String("out", "", "the changelog to write (.gz)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	text := fmt.Sprintf("kidney3d (%s) unstable; urgency=medium\n\n"+
		"  * Release %s (kidney3d --version names its commit).\n\n"+
		" -- %s  %s\n", *version, *version, *maintainer, *date)
	gz, err := gzipBytes([]byte(text))
	if err != nil {
		return err
	}
	return writeFile(*out, gz)
}
