package dicomseries

import "fmt"

// SeriesError is why a series cannot become a volume: the series, the
// reason, and the file where the problem shows (when one does).
type SeriesError struct {
	Series string // the series' ID
	File   string
	Reason string
	Err    error // the cause (a pixel decoding error), if any
}

func (e *SeriesError) Error() string {
	msg := fmt.Sprintf("series %s: %s", e.Series, e.Reason)
	if e.File != "" {
		msg = fmt.Sprintf("%s: series %s: %s", e.File, e.Series, e.Reason)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *SeriesError) Unwrap() error { return e.Err }
