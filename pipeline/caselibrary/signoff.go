package caselibrary

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"kidney3d/pipeline/casefile"
)

// SignOff records that the reviewer by signs off the case's current label
// map (SignedLabels), with its sha256, in review.json, and indexes the
// case again. A later edit changes the sha256 and so clears the sign-off
// (Entry.SignoffNote says so).
func (l *Library) SignOff(ctx context.Context, dir, by string) (Entry, error) {
	return l.mark(ctx, dir, by, func(r *Review, m *Mark) { r.SignedOff = m })
}

// MarkReviewed records that the reviewer by has reviewed the case's
// current label map, as SignOff does.
func (l *Library) MarkReviewed(ctx context.Context, dir, by string) (Entry, error) {
	return l.mark(ctx, dir, by, func(r *Review, m *Mark) { r.Reviewed = m })
}

func (l *Library) mark(ctx context.Context, dir, by string, set func(*Review, *Mark)) (Entry, error) {
	by = strings.TrimSpace(by)
	if by == "" {
		return Entry{}, errors.New("a reviewer's name is required (--by)")
	}
	c, err := openCase(dir)
	if err != nil {
		return Entry{}, err
	}
	rel, sum, err := labelsSHA256(c)
	if err != nil {
		return Entry{}, err
	}
	if sum == "" {
		return Entry{}, fmt.Errorf("%s: no label map to sign off yet (kidney3d run)", filepath.Join(c.Dir, rel))
	}
	if status, reason, err := folderStatus(c); err != nil {
		return Entry{}, err
	} else if status == Failed {
		return Entry{}, fmt.Errorf("%s: the last run failed (%s): run it again first", c.Dir, reason)
	}
	return l.Update(ctx, c.Dir, func(r *Review) {
		set(r, &Mark{By: by, At: time.Now().UTC().Truncate(time.Second), Labels: rel, SHA256: sum})
	})
}

// Update changes a case's review.json and indexes the case again.
func (l *Library) Update(ctx context.Context, dir string, change func(*Review)) (Entry, error) {
	c, err := openCase(dir)
	if err != nil {
		return Entry{}, err
	}
	r, err := LoadReview(c)
	if err != nil {
		return Entry{}, err
	}
	change(&r)
	if err := SaveReview(c, r); err != nil {
		return Entry{}, err
	}
	return l.Refresh(ctx, c.Dir)
}

func openCase(dir string) (*casefile.Case, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return casefile.Open(abs)
}
