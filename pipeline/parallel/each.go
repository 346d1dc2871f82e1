package parallel

import (
	"context"
	"errors"
	"sync"
)

// Each calls body(i) for every i in [0, n), one item at a time on each of
// up to Workers goroutines (For with a grain of 1), and, when progress is
// not nil, calls it with the number of items done after each item, one
// call at a time. Once ctx is done it starts no more items and returns
// ctx's error; otherwise it returns the items' errors, joined in item
// order (errors.Join).
func Each(ctx context.Context, n int, body func(i int) error, progress func(done int)) error {
	errs := make([]error, n)
	var mu sync.Mutex
	done := 0
	For(n, 1, func(lo, hi int) {
		for i := lo; i < hi && ctx.Err() == nil; i++ {
			errs[i] = body(i)
			if progress != nil {
				mu.Lock()
				done++
				progress(done)
				mu.Unlock()
			}
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}
