package librarydb

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestOpenMigratesOnceAndReopens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "library.db")
	// Four processes' worth of connections opening a new database at once.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(path)
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version int
	var mode string
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != Version() {
		t.Errorf("user_version %d, %v; want %d", version, err, Version())
	}
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q, %v; want wal", mode, err)
	}
}

func TestOpenRefusesANewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "library.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "library schema version 99 is newer than this program's 1") {
		t.Errorf("Open of a newer schema: %v", err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv(EnvPath, "/srv/lab/library.db")
	if p, err := DefaultPath(); err != nil || p != "/srv/lab/library.db" {
		t.Errorf("DefaultPath = %q, %v", p, err)
	}
	t.Setenv(EnvPath, "")
	t.Setenv("XDG_CONFIG_HOME", "/home/u/.config")
	if p, err := DefaultPath(); err != nil || p != "/home/u/.config/kidney3d/library.db" {
		t.Errorf("DefaultPath = %q, %v", p, err)
	}
}
