package caselibrary

import (
	"os"
	"time"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/caselease"
	"kidney3d/pipeline/remotejob"
)

// applyRemote gives the status of the case's job submitted to the
// scale-out workers, which the manifest alone does not say: Running while
// a worker holds the case's lease for it, Queued while it waits for a
// worker (or for its retry, or to be delivered again after its worker
// died), Failed with its reason once dead-lettered. A job the lease names
// as done, or cancelled and no longer running, leaves the folder's
// status, and so does a manifest written after remote-job.json (the case
// was run here since).
func applyRemote(c *casefile.Case, e *Entry, now time.Time) {
	r, ok, err := remotejob.Read(c)
	if err != nil {
		e.Status, e.Reason = Failed, err.Error()
		return
	}
	if !ok {
		return
	}
	lease, _ := caselease.Read(c.Dir) // an unreadable lease says nothing
	switch {
	case lease.Done == r.Job:
	case lease.Job == r.Job && lease.Held(now):
		e.Status, e.Reason = Running, ""
	case r.State == remotejob.Cancelled: // the folder's status stands
	case lease.Job == r.Job:
		e.Status, e.Reason = Queued, "" // its worker died: the broker delivers it again
	case newer(c.ManifestPath(), c.RemoteJobPath()):
	case r.State == remotejob.Failed:
		e.Status, e.Reason = Failed, "on the workers: "+r.Reason
	default:
		e.Status, e.Reason = Queued, ""
	}
}

// newer says whether file a was modified after file b.
func newer(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && sa.ModTime().After(sb.ModTime())
}
