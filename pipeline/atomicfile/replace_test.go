package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// recorder is a replacer that logs the calls made to it, and the closes
// of the file it is given, in order.
type recorder struct {
	open  bool
	calls []string
	fail  string // the call that fails
}

var errFake = errors.New("fake failure")

func (r *recorder) log(call string) error {
	r.calls = append(r.calls, call)
	if call == r.fail {
		return errFake
	}
	return nil
}

func (r *recorder) renameOpen() bool { return r.open }
func (r *recorder) replace(oldpath, newpath string) error {
	return r.log("replace " + oldpath + " " + newpath)
}
func (r *recorder) syncDir(dir string) error { return r.log("syncDir " + dir) }
func (r *recorder) Close() error             { return r.log("close") }

func TestFinishOrdersCloseAndRenameAsThePlatformAllows(t *testing.T) {
	tmp, path := filepath.Join("d", ".f.tmp-1"), filepath.Join("d", "f")
	rename := "replace " + tmp + " " + path
	sync := "syncDir d"
	for _, tc := range []struct {
		name string
		open bool
		fail string
		want []string
	}{
		{"posix renames while locked", true, "", []string{rename, "close", sync}},
		{"windows closes first", false, "", []string{"close", rename, sync}},
		{"failed rename stops", true, rename, []string{rename}},
		{"failed close stops before the rename", false, "close", []string{"close"}},
		{"failed sync is reported", false, sync, []string{"close", rename, sync}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{open: tc.open, fail: tc.fail}
			err := finish(r, r, tmp, path)
			if !slices.Equal(r.calls, tc.want) {
				t.Errorf("calls %q, want %q", r.calls, tc.want)
			}
			if (tc.fail != "") != errors.Is(err, errFake) {
				t.Errorf("err %v, want failure %v", err, tc.fail != "")
			}
		})
	}
}

func TestMoveFileReplacerWritesThroughAndSyncsNoFolder(t *testing.T) {
	type move struct {
		from, to string
		flags    uint32
	}
	var moves []move
	r := moveFileReplacer{moveFileEx: func(from, to string, flags uint32) error {
		moves = append(moves, move{from, to, flags})
		return nil
	}}
	if r.renameOpen() {
		t.Error("Windows cannot rename an open file")
	}
	if err := r.replace(`C:\c\.x.tmp-7`, `C:\c\x`); err != nil {
		t.Fatal(err)
	}
	// MOVEFILE_REPLACE_EXISTING (1) | MOVEFILE_WRITE_THROUGH (8).
	want := []move{{`C:\c\.x.tmp-7`, `C:\c\x`, 9}}
	if !slices.Equal(moves, want) {
		t.Errorf("moves %v, want %v", moves, want)
	}
	if err := r.syncDir(`C:\c`); err != nil {
		t.Errorf("syncDir: %v, want nothing to do", err)
	}
	if len(moves) != 1 {
		t.Errorf("syncDir moved files: %v", moves[1:])
	}
}

func TestMoveFileReplacerErrorNamesBothPaths(t *testing.T) {
	r := moveFileReplacer{moveFileEx: func(string, string, uint32) error { return os.ErrNotExist }}
	err := r.replace("a", "b")
	var le *os.LinkError
	if !errors.As(err, &le) || le.Op != "rename" || le.Old != "a" || le.New != "b" || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %#v, want a rename LinkError a → b wrapping ErrNotExist", err)
	}
}

// TestWriteWithTheWindowsOrderReplacesTheFile runs Write's real steps in
// the order Windows needs (close, then rename) on this file system.
func TestWriteWithTheWindowsOrderReplacesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := createTemp(dir, "out.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("new"); err != nil {
		t.Fatal(err)
	}
	win := moveFileReplacer{moveFileEx: func(from, to string, _ uint32) error { return os.Rename(from, to) }}
	if err := finish(win, f, f.Name(), path); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	if string(got) != "new" || len(entries) != 1 {
		t.Errorf("got %q and %d files, want \"new\" alone", got, len(entries))
	}
}
