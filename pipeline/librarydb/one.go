package librarydb

import (
	"context"
	"database/sql"
)

// One runs query and returns the first item scan reads from its rows, or
// notFound's error where there is none.
func One[T any](ctx context.Context, db *sql.DB, scan func(*sql.Rows) ([]T, error), notFound func() error, query string, args ...any) (T, error) {
	var zero T
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return zero, err
	}
	items, err := scan(rows)
	if err != nil {
		return zero, err
	}
	if len(items) == 0 {
		return zero, notFound()
	}
	return items[0], nil
}
