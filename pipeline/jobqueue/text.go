package jobqueue

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteList writes jobs as a table, one line per job.
func WriteList(w io.Writer, js []Job) error {
	if len(js) == 0 {
		_, err := fmt.Fprintln(w, "the queue is empty")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tPRIORITY\tDEVICE\tPROGRESS\tTRIES\tADDED\tCASE\tNOTE")
	for _, j := range js {
		progress := "-"
		if j.State == Running || j.State == Done {
			progress = fmt.Sprintf("%3.0f%% %s", 100*j.Progress, j.Stage)
		}
		note := j.Error
		if j.State == Queued && !j.NotBefore.IsZero() && j.NotBefore.After(time.Now()) {
			note = "retry at " + j.NotBefore.Local().Format("15:04:05") + " after: " + j.Error
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", j.ID, j.State, j.Priority, j.Device, progress, j.Attempts,
			j.Added.Local().Format("2006-01-02 15:04"), j.Dir, note)
	}
	return tw.Flush()
}
