package orchestrate

// State is where a stage is in a run.
type State string

// Stage states, as events report them.
const (
	Queued    State = "queued"
	Running   State = "running"
	Done      State = "done"
	Reused    State = "reused"  // inputs and parameters unchanged since its last success
	Given     State = "given"   // all outputs given in input/masks
	Skipped   State = "skipped" // an input is missing, or the stage had nothing to do; Message says why
	Failed    State = "failed"
	Cancelled State = "cancelled"
)

// Event is one progress report of a stage.
type Event struct {
	Stage    string  `json:"stage"`
	State    State   `json:"state"`
	Fraction float64 `json:"fraction"`
	Elapsed  float64 `json:"elapsed_s"`
	// Estimate is the expected time left in seconds, from the progress so
	// far; 0 when unknown.
	Estimate float64 `json:"estimate_s,omitempty"`
	// Message says why a stage was skipped, given, reused or failed, or,
	// on done, what the stage noted of how it ran (stage.NoteRecord, e.g.
	// a model run on CPU because the GPU provider did not start).
	Message string `json:"message,omitempty"`
}
