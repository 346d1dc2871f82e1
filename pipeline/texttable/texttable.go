// Package texttable writes the tables that list things for a person to
// read: a header line and a line per row, columns aligned two spaces
// apart.
package texttable

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Write writes header (tab-separated column names) and, under it, what row
// writes for each of rows (tab-separated columns, each line ending in a
// newline), aligned. Where rows is empty and empty is not "", it writes
// the line empty instead.
func Write[T any](w io.Writer, rows []T, empty, header string, row func(w io.Writer, r T)) error {
	if len(rows) == 0 && empty != "" {
		_, err := fmt.Fprintln(w, empty)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		row(tw, r)
	}
	return tw.Flush()
}
