package caselibrary

import (
	"fmt"
	"io"
	"strings"

	"kidney3d/pipeline/texttable"
)

// WriteList writes entries as a table, one line per case, with the note
// of a sign-off an edit cleared under its case.
func WriteList(w io.Writer, es []Entry) error {
	return texttable.Write(w, es, "", "STATUS\tPRIORITY\tNAME\tPATIENT\tSTUDY\tPHASES\tCHANGED\tFOLDER", func(tw io.Writer, e Entry) {
		status := e.Status
		if e.Status == Failed && e.Reason != "" {
			status += ": " + clip(e.Reason, 60)
		}
		if e.SignedOff != nil && e.Status == SignedOff {
			status += " by " + e.SignedOff.By
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", status, dash(e.Priority), e.Name, dash(e.PatientName),
			dash(strings.TrimSpace(e.StudyDate+" "+e.Description)), dash(strings.Join(e.Phases, "")),
			e.Changed.Local().Format("2006-01-02 15:04"), e.Dir)
		if e.SignoffNote != "" {
			fmt.Fprintf(tw, "  ! %s\t\t\t\t\t\t\t\n", e.SignoffNote)
		}
	})
}

// WriteHits writes search results as a table, best first.
func WriteHits(w io.Writer, hs []Hit) error {
	return texttable.Write(w, hs, "no case matches", "SCORE\tSTATUS\tNAME\tPATIENT\tSTUDY\tFOLDER", func(tw io.Writer, h Hit) {
		fmt.Fprintf(tw, "%.2f\t%s\t%s\t%s\t%s\t%s\n", h.Score, h.Status, h.Name, dash(h.PatientName),
			dash(strings.TrimSpace(h.StudyDate+" "+h.Description)), h.Dir)
	})
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
