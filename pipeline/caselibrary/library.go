// Package caselibrary is the case library: an index, in the library's
// SQLite database (package librarydb), of the case folders under the
// library's roots, with each case's study, phases, status, review and
// sign-off, searchable with typos. The folders are the truth: Rebuild
// makes the index again from them at any time.
package caselibrary

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/librarydb"
)

// Library is an opened case library.
type Library struct {
	db *sql.DB
}

// Open opens the library database at path (librarydb.Open).
func Open(path string) (*Library, error) {
	db, err := librarydb.Open(path)
	if err != nil {
		return nil, err
	}
	return &Library{db: db}, nil
}

// Close closes the database.
func (l *Library) Close() error { return l.db.Close() }

// maxDepth is how deep under a root Add looks for case folders.
const maxDepth = 4

// Add indexes a case folder, or makes a folder of cases a root and indexes
// every case folder under it (to maxDepth levels; a case's own folders are
// not searched). It returns how many cases it indexed.
func (l *Library) Add(ctx context.Context, path string) (int, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	if !st.IsDir() {
		return 0, fmt.Errorf("%s: not a folder", path)
	}
	if _, err := casefile.Open(abs); err == nil {
		e, err := Describe(abs)
		if err != nil {
			return 0, err
		}
		return 1, l.store(ctx, []Entry{e}, nil)
	}
	entries, err := scanRoot(ctx, abs)
	if err != nil {
		return 0, err
	}
	if len(entries) == 0 {
		return 0, fmt.Errorf("%s: neither a case folder (no input/) nor a folder of cases", path)
	}
	return len(entries), l.store(ctx, entries, []string{abs})
}

// scanRoot describes every case folder under root.
func scanRoot(ctx context.Context, root string) ([]Entry, error) {
	var out []Entry
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // an unreadable folder holds no case we can index
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if _, err := casefile.Open(p); err == nil {
			e, err := Describe(p)
			if err != nil {
				return err
			}
			out = append(out, e)
			return filepath.SkipDir
		}
		if rel, _ := filepath.Rel(root, p); strings.Count(rel, string(filepath.Separator)) >= maxDepth-1 {
			return filepath.SkipDir
		}
		return nil
	})
	return out, err
}

// Rebuild makes the index again from the folders: every case under every
// root and every case added on its own is read again, and the rows of
// folders that are gone are dropped. It returns how many cases it indexed.
func (l *Library) Rebuild(ctx context.Context) (int, error) {
	roots, err := l.Roots(ctx)
	if err != nil {
		return 0, err
	}
	var entries []Entry
	seen := map[string]bool{}
	for _, r := range roots {
		es, err := scanRoot(ctx, r)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, err
		}
		for _, e := range es {
			seen[e.Dir] = true
		}
		entries = append(entries, es...)
	}
	dirs, err := l.dirs(ctx)
	if err != nil {
		return 0, err
	}
	for _, d := range dirs {
		if seen[d] {
			continue
		}
		if _, err := casefile.Open(d); err != nil {
			continue // gone: store drops it
		}
		e, err := Describe(d)
		if err != nil {
			return 0, err
		}
		entries = append(entries, e)
	}
	return len(entries), l.store(ctx, entries, nil, withPrune())
}

// Roots are the library's root folders.
func (l *Library) Roots(ctx context.Context) ([]string, error) {
	return librarydb.Query(ctx, l.db, librarydb.String, "SELECT path FROM roots ORDER BY path")
}

func (l *Library) dirs(ctx context.Context) ([]string, error) {
	return librarydb.Query(ctx, l.db, librarydb.String, "SELECT dir FROM cases")
}

type storeOptions struct{ prune bool }

// withPrune drops the rows of the cases not stored.
func withPrune() func(*storeOptions) { return func(o *storeOptions) { o.prune = true } }

// store writes entries and roots in one transaction.
func (l *Library) store(ctx context.Context, entries []Entry, roots []string, opts ...func(*storeOptions)) error {
	var o storeOptions
	for _, f := range opts {
		f(&o)
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().Unix()
	for _, r := range roots {
		if _, err := tx.ExecContext(ctx, "INSERT INTO roots(path, added) VALUES (?, ?) ON CONFLICT(path) DO NOTHING", r, now); err != nil {
			return err
		}
	}
	up, err := tx.PrepareContext(ctx, `INSERT INTO cases(dir, name, study_uid, description, study_date, patient_name,
		patient_id, phases, status, reason, assignee, tags, notes, versions, signed_by, signed_at, signed_sha256,
		signoff_note, changed, fingerprint, search_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(dir) DO UPDATE SET name=excluded.name, study_uid=excluded.study_uid,
		description=excluded.description, study_date=excluded.study_date, patient_name=excluded.patient_name,
		patient_id=excluded.patient_id, phases=excluded.phases, status=excluded.status, reason=excluded.reason,
		assignee=excluded.assignee, tags=excluded.tags, notes=excluded.notes, versions=excluded.versions,
		signed_by=excluded.signed_by, signed_at=excluded.signed_at, signed_sha256=excluded.signed_sha256,
		signoff_note=excluded.signoff_note, changed=excluded.changed, fingerprint=excluded.fingerprint, search_text=excluded.search_text`)
	if err != nil {
		return err
	}
	defer up.Close()
	keep := map[string]bool{}
	for _, e := range entries {
		keep[e.Dir] = true
		var by, at, sum string
		if s := e.SignedOff; s != nil {
			by, at, sum = s.By, s.At.UTC().Format(time.RFC3339), s.SHA256
		}
		if _, err := up.ExecContext(ctx, e.Dir, e.Name, e.StudyUID, e.Description, e.StudyDate, e.PatientName,
			e.PatientID, strings.Join(e.Phases, ","), e.Status, e.Reason, e.Assignee, strings.Join(e.Tags, ","),
			e.Notes, e.Versions, by, at, sum, e.SignoffNote, e.Changed.UnixNano(), e.fingerprint, e.searchText()); err != nil {
			return fmt.Errorf("%s: %w", e.Dir, err)
		}
	}
	if o.prune {
		dirs, err := librarydb.Query(ctx, tx, librarydb.String, "SELECT dir FROM cases")
		if err != nil {
			return err
		}
		for _, d := range dirs {
			if !keep[d] {
				if _, err := tx.ExecContext(ctx, "DELETE FROM cases WHERE dir = ?", d); err != nil {
					return err
				}
			}
		}
	}
	return tx.Commit()
}

// Refresh reads one case folder again into the index (after a run, an
// edit or a review), adding it when it is not indexed yet.
func (l *Library) Refresh(ctx context.Context, dir string) (Entry, error) {
	e, err := Describe(dir)
	if err != nil {
		return Entry{}, err
	}
	if err := l.store(ctx, []Entry{e}, nil); err != nil {
		return Entry{}, err
	}
	return l.Get(ctx, e.Dir)
}

// Sync reads again the indexed cases whose folders changed since they
// were indexed (the sizes and modification times of case.json,
// manifest.json, review.json, the current label map, remote-job.json and
// worker.lease), so that a run, a remote job or an edit made outside the
// library shows, and drops the cases whose folders are gone.
// It returns how many cases it read again.
func (l *Library) Sync(ctx context.Context) (int, error) {
	rows, err := l.db.QueryContext(ctx, "SELECT dir, fingerprint FROM cases")
	if err != nil {
		return 0, err
	}
	indexed := map[string]string{}
	for rows.Next() {
		var dir, changed string
		if err := rows.Scan(&dir, &changed); err != nil {
			rows.Close()
			return 0, err
		}
		indexed[dir] = changed
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var changed []Entry
	var gone []string
	for dir, t := range indexed {
		c, err := casefile.Open(dir)
		if err != nil {
			gone = append(gone, dir)
			continue
		}
		if _, fp := lastChange(c); fp == t {
			continue
		}
		e, err := Describe(dir)
		if err != nil {
			return 0, err
		}
		changed = append(changed, e)
	}
	if err := l.store(ctx, changed, nil); err != nil {
		return 0, err
	}
	for _, d := range gone {
		if _, err := l.db.ExecContext(ctx, "DELETE FROM cases WHERE dir = ?", d); err != nil {
			return 0, err
		}
	}
	return len(changed), nil
}
