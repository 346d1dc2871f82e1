package librarydb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

func TestOne(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "library.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	scan := func(rows *sql.Rows) ([]int, error) {
		defer rows.Close()
		var out []int
		for rows.Next() {
			var n int
			if err := rows.Scan(&n); err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, rows.Err()
	}
	none := errors.New("none")
	notFound := func() error { return none }
	const q = `SELECT value FROM json_each(?) WHERE value > ?`
	if n, err := One(ctx, db, scan, notFound, q, "[3, 7, 9]", 5); n != 7 || err != nil {
		t.Errorf("One = %d, %v; want 7, nil", n, err)
	}
	if n, err := One(ctx, db, scan, notFound, q, "[3, 7, 9]", 9); n != 0 || err != none {
		t.Errorf("no row: One = %d, %v; want 0, none", n, err)
	}
	if _, err := One(ctx, db, scan, notFound, `SELECT nothing FROM nowhere`); err == nil || err == none {
		t.Errorf("bad query: %v, want the database's error", err)
	}
}
