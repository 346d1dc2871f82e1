// Package librarydb is the SQLite database of the case library and the
// local job queue: where it lives, how it is opened (WAL, busy timeout,
// full sync), and its schema, which this package alone owns and migrates.
// Package caselibrary keeps its index of the case folders in it and
// package jobqueue its jobs (both look one up with One); the case folders
// stay the truth.
package librarydb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

// EnvPath is the environment variable that overrides the database's place.
const EnvPath = "KIDNEY3D_LIBRARY"

// DefaultPath is the database file: $KIDNEY3D_LIBRARY, else library.db in
// kidney3d's folder of the user's configuration folder.
func DefaultPath() (string, error) {
	if p := os.Getenv(EnvPath); p != "" {
		return p, nil
	}
	cfg, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no place for the case library (set %s or --db): %w", EnvPath, err)
	}
	return filepath.Join(cfg, "kidney3d", "library.db"), nil
}

// BusyTimeout is how long a statement waits for another connection's
// write lock, in milliseconds, before it fails with "database is locked".
const BusyTimeout = 10000

// Open opens (creating it and its folder when missing) the database at
// path and brings its schema to the newest version.
func Open(path string) (*sql.DB, error) {
	if path == "" {
		return nil, errors.New("library database: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	q := url.Values{}
	for _, p := range []string{
		fmt.Sprintf("busy_timeout(%d)", BusyTimeout),
		"journal_mode(WAL)",
		"synchronous(FULL)",
		"foreign_keys(1)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := migrate(context.Background(), db); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

// migrations are the schema's versions: migrations[i] brings version i to
// i+1 (PRAGMA user_version). Append only; never edit a released one.
var migrations = []string{
	// 1: roots, the case index with its trigram search text, and jobs.
	`CREATE TABLE roots (
		path  TEXT PRIMARY KEY,
		added INTEGER NOT NULL
	);
	CREATE TABLE cases (
		id            INTEGER PRIMARY KEY,
		dir           TEXT NOT NULL UNIQUE,
		name          TEXT NOT NULL,
		study_uid     TEXT NOT NULL DEFAULT '',
		description   TEXT NOT NULL DEFAULT '',
		study_date    TEXT NOT NULL DEFAULT '',
		patient_name  TEXT NOT NULL DEFAULT '',
		patient_id    TEXT NOT NULL DEFAULT '',
		phases        TEXT NOT NULL DEFAULT '',
		status        TEXT NOT NULL,
		reason        TEXT NOT NULL DEFAULT '',
		assignee      TEXT NOT NULL DEFAULT '',
		tags          TEXT NOT NULL DEFAULT '',
		notes         TEXT NOT NULL DEFAULT '',
		versions      INTEGER NOT NULL DEFAULT 0,
		signed_by     TEXT NOT NULL DEFAULT '',
		signed_at     TEXT NOT NULL DEFAULT '',
		signed_sha256 TEXT NOT NULL DEFAULT '',
		signoff_note  TEXT NOT NULL DEFAULT '',
		changed       INTEGER NOT NULL, -- Unix nanoseconds
		fingerprint   TEXT NOT NULL DEFAULT '', -- sizes and times of the files the row was read from
		search_text   TEXT NOT NULL
	);
	CREATE VIRTUAL TABLE case_text USING fts5(body, content='cases', content_rowid='id', tokenize='trigram');
	CREATE TRIGGER cases_ai AFTER INSERT ON cases BEGIN
		INSERT INTO case_text(rowid, body) VALUES (new.id, new.search_text);
	END;
	CREATE TRIGGER cases_ad AFTER DELETE ON cases BEGIN
		INSERT INTO case_text(case_text, rowid, body) VALUES ('delete', old.id, old.search_text);
	END;
	CREATE TRIGGER cases_au AFTER UPDATE OF search_text ON cases BEGIN
		INSERT INTO case_text(case_text, rowid, body) VALUES ('delete', old.id, old.search_text);
		INSERT INTO case_text(rowid, body) VALUES (new.id, new.search_text);
	END;
	CREATE TABLE jobs (
		id         INTEGER PRIMARY KEY,
		dir        TEXT NOT NULL,
		priority   INTEGER NOT NULL,
		device     TEXT NOT NULL,
		state      TEXT NOT NULL,
		attempts   INTEGER NOT NULL DEFAULT 0,
		not_before INTEGER NOT NULL DEFAULT 0,
		progress   REAL NOT NULL DEFAULT 0,
		stage      TEXT NOT NULL DEFAULT '',
		error      TEXT NOT NULL DEFAULT '',
		added      INTEGER NOT NULL,
		started    INTEGER NOT NULL DEFAULT 0,
		finished   INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX jobs_next ON jobs(state, priority, id);
	CREATE INDEX jobs_dir ON jobs(dir, state);`,
}

// Version is the schema version this program writes.
func Version() int { return len(migrations) }

// migrate applies the migrations the database lacks, each in one
// immediate transaction that reads the version and writes the next, so
// that two processes opening a new database migrate it once and a crash
// leaves a whole version.
func migrate(ctx context.Context, db *sql.DB) error {
	for {
		done, err := migrateOne(ctx, db)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration; done says there was none.
func migrateOne(ctx context.Context, db *sql.DB) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("not a readable library database: %w", err)
	}
	defer tx.Rollback()
	var have int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return false, fmt.Errorf("not a readable library database: %w", err)
	}
	if have > len(migrations) {
		return false, fmt.Errorf("library schema version %d is newer than this program's %d", have, len(migrations))
	}
	if have == len(migrations) {
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, migrations[have]); err != nil {
		return false, fmt.Errorf("migrating the library schema to version %d: %w", have+1, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", have+1)); err != nil {
		return false, err
	}
	return false, tx.Commit()
}
