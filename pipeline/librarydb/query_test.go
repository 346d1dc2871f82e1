package librarydb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

func TestQueryAndOne(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "library.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	const q = `SELECT value FROM json_each(?) WHERE value > ? ORDER BY key`
	if got, err := Query(ctx, db, String, q, `["3", "7", "9"]`, "5"); !slices.Equal(got, []string{"7", "9"}) || err != nil {
		t.Errorf("Query = %q, %v; want [7 9], nil", got, err)
	}
	if got, err := Query(ctx, db, String, q, `["3"]`, "5"); got != nil || err != nil {
		t.Errorf("no row: Query = %q, %v; want nil, nil", got, err)
	}
	number := func(rows *sql.Rows) (int, error) {
		var n int
		err := rows.Scan(&n)
		return n, err
	}
	none := errors.New("none")
	notFound := func() error { return none }
	if n, err := One(ctx, db, number, notFound, q, "[3, 7, 9]", 5); n != 7 || err != nil {
		t.Errorf("One = %d, %v; want 7, nil", n, err)
	}
	if n, err := One(ctx, db, number, notFound, q, "[3, 7, 9]", 9); n != 0 || err != none {
		t.Errorf("no row: One = %d, %v; want 0, none", n, err)
	}
	if _, err := One(ctx, db, number, notFound, `SELECT nothing FROM nowhere`); err == nil || err == none {
		t.Errorf("bad query: %v, want the database's error", err)
	}
	if _, err := Query(ctx, db, number, `SELECT 'seven'`); err == nil {
		t.Error("a text read as a number: no error")
	}
}
