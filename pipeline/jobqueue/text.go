package jobqueue

import (
	"fmt"
	"io"
	"time"

	"kidney3d/pipeline/texttable"
)

// WriteList writes jobs as a table, one line per job.
func WriteList(w io.Writer, js []Job) error {
	return texttable.Write(w, js, "the queue is empty", "ID\tSTATE\tPRIORITY\tDEVICE\tPROGRESS\tTRIES\tADDED\tCASE\tNOTE", func(tw io.Writer, j Job) {
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
	})
}
