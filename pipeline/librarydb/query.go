package librarydb

import (
	"context"
	"database/sql"
)

// Querier runs queries: a *sql.DB or a *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Query runs query and reads each row it returns with scan.
func Query[T any](ctx context.Context, q Querier, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// One is the first row Query reads, or notFound's error where there is
// none.
func One[T any](ctx context.Context, q Querier, scan func(*sql.Rows) (T, error), notFound func() error, query string, args ...any) (T, error) {
	items, err := Query(ctx, q, scan, query, args...)
	if err != nil {
		var zero T
		return zero, err
	}
	if len(items) == 0 {
		var zero T
		return zero, notFound()
	}
	return items[0], nil
}

// String reads a row of one text column.
func String(rows *sql.Rows) (string, error) {
	var s string
	err := rows.Scan(&s)
	return s, err
}
