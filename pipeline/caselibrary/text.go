package caselibrary

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteList writes entries as a table, one line per case, with the note
// of a sign-off an edit cleared under its case.
func WriteList(w io.Writer, es []Entry) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tPRIORITY\tNAME\tPATIENT\tSTUDY\tPHASES\tCHANGED\tFOLDER")
	for _, e := range es {
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
	}
	return tw.Flush()
}

// WriteHits writes search results as a table, best first.
func WriteHits(w io.Writer, hs []Hit) error {
	if len(hs) == 0 {
		_, err := fmt.Fprintln(w, "no case matches")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCORE\tSTATUS\tNAME\tPATIENT\tSTUDY\tFOLDER")
	for _, h := range hs {
		fmt.Fprintf(tw, "%.2f\t%s\t%s\t%s\t%s\t%s\n", h.Score, h.Status, h.Name, dash(h.PatientName),
			dash(strings.TrimSpace(h.StudyDate+" "+h.Description)), h.Dir)
	}
	return tw.Flush()
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
