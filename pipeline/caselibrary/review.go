package caselibrary

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
)

// Review is a case's review.json: what people said about the case. It
// lives in the case folder, so the library's index rebuilds from the
// folders with nothing lost.
type Review struct {
	Assignee string   `json:"assignee,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Notes    string   `json:"notes,omitempty"`
	// Reviewed is who looked at the labels whose sha256 it records.
	Reviewed *Mark `json:"reviewed,omitempty"`
	// SignedOff is who signed the labels whose sha256 it records off.
	SignedOff *Mark `json:"signed_off,omitempty"`
}

// Mark is a reviewer's mark on one version of the label map.
type Mark struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Labels string    `json:"labels"` // relative to the case
	SHA256 string    `json:"sha256"`
}

// LoadReview reads a case's review.json; a missing file is an empty Review.
func LoadReview(c *casefile.Case) (Review, error) {
	var r Review
	b, err := os.ReadFile(c.ReviewPath())
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return Review{}, fmt.Errorf("%s: not a valid review record: %v", c.ReviewPath(), err)
	}
	return r, nil
}

// SaveReview writes a case's review.json atomically.
func SaveReview(c *casefile.Case, r Review) error {
	return atomicfile.WriteJSON(c.ReviewPath(), r)
}
