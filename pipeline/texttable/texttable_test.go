package texttable

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	row := func(w io.Writer, r [2]string) { fmt.Fprintf(w, "%s\t%s\n", r[0], r[1]) }
	for _, tc := range []struct {
		name  string
		rows  [][2]string
		empty string
		want  string
	}{
		{"rows", [][2]string{{"kidney_left", "1"}, {"vein", "12"}}, "none", "NAME         VALUE\nkidney_left  1\nvein         12\n"},
		{"no rows, a message", nil, "none", "none\n"},
		{"no rows, no message", nil, "", "NAME  VALUE\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := Write(&b, tc.rows, tc.empty, "NAME\tVALUE", row); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}
