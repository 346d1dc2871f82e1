package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestManPageFromHelp(t *testing.T) {
	help := "usage:\n  kidney3d view [CASE]\n  kidney3d demo --out DIR\nexit codes: 0 done, 1 failed\n"
	page, err := manPage(help, "0.1.0", "2026-12-06")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		".TH KIDNEY3D 1 \"2026-12-06\" \"kidney3d 0.1.0\" \"User Commands\"\n",
		".SH SYNOPSIS\n.B kidney3d\nview [CASE]\n.br\n.B kidney3d\ndemo \\-\\-out DIR\n.br\n.SH DESCRIPTION\n",
		".SH EXIT STATUS\n0 done, 1 failed\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	if _, err := manPage("usage:\n", "0.1.0", "2026-12-06"); err == nil {
		t.Error("a help text with no commands gave a page")
	}
}

func TestRoffEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"--out DIR": `\-\-out DIR`,
		`a\b`:       `a\eb`,
		".hidden":   `\&.hidden`,
		"'quote":    `\&'quote`,
	} {
		if got := roff(in); got != want {
			t.Errorf("roff(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGzipBytesRepeatsAndRoundTrips(t *testing.T) {
	a, _ := gzipBytes([]byte("kidney3d"))
	b, _ := gzipBytes([]byte("kidney3d"))
	if !bytes.Equal(a, b) {
		t.Error("the same data gave different bytes")
	}
	if mtime := binary.LittleEndian.Uint32(a[4:8]); mtime != 0 {
		t.Errorf("header time %d, want 0", mtime)
	}
	zr, err := gzip.NewReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if string(got) != "kidney3d" {
		t.Errorf("round trip gave %q", got)
	}
}

func TestIcoDirectory(t *testing.T) {
	pngs := map[int][]byte{16: []byte("sixteen"), 256: []byte("big")}
	ico := icoOf([]int{16, 256}, pngs)
	le := binary.LittleEndian
	if le.Uint16(ico[2:]) != 1 || le.Uint16(ico[4:]) != 2 {
		t.Fatalf("header % x", ico[:6])
	}
	// Entry 1: 16 px, 7 bytes at 6+2*16 = 38; entry 2: 256 px (0), 3 bytes at 45.
	e1, e2 := ico[6:22], ico[22:38]
	if e1[0] != 16 || le.Uint32(e1[8:]) != 7 || le.Uint32(e1[12:]) != 38 {
		t.Errorf("entry 1 % x", e1)
	}
	if e2[0] != 0 || le.Uint32(e2[8:]) != 3 || le.Uint32(e2[12:]) != 45 {
		t.Errorf("entry 2 % x", e2)
	}
	if string(ico[38:]) != "sixteenbig" {
		t.Errorf("images %q", ico[38:])
	}
}

func TestTreeContentsMapsFilesToRoot(t *testing.T) {
	tree := t.TempDir()
	if err := writeFile(filepath.Join(tree, "usr", "share", "doc", "k", "copyright"), []byte("c")); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tree, "usr", "bin", "kidney3d")
	if err := writeFile(bin, []byte("elf")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("kidney3d", filepath.Join(tree, "usr", "bin", "k3d")); err != nil {
		t.Fatal(err)
	}
	got, err := treeContents(tree)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range got {
		lines = append(lines, fmt.Sprintf("%s %s %q %o %s:%s", c.Destination, c.Type, filepath.Base(c.Source), c.FileInfo.Mode, c.FileInfo.Owner, c.FileInfo.Group))
	}
	want := []string{
		`/usr/bin/k3d symlink "kidney3d" 777 root:root`,
		`/usr/bin/kidney3d  "kidney3d" 755 root:root`,
		`/usr/share/doc/k/copyright  "copyright" 644 root:root`,
	}
	if !slices.Equal(lines, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestWrap(t *testing.T) {
	got := wrap("aa bb cc  dd", 5)
	if got != "aa bb\ncc dd" {
		t.Errorf("got %q", got)
	}
}

func TestList(t *testing.T) {
	if got, want := list(" kidney3d (= 1.0), ,libcuda1 (>= 580) | nvidia-driver "), []string{"kidney3d (= 1.0)", "libcuda1 (>= 580) | nvidia-driver"}; !slices.Equal(got, want) {
		t.Errorf("list = %q, want %q", got, want)
	}
	if got := list(""); got != nil {
		t.Errorf("list(\"\") = %q, want nil", got)
	}
}
