package ui

import (
	"context"
	"io"

	"kidney3d/pipeline/caserun"
	"kidney3d/pipeline/childrun"
)

// ChildRun is a RunFunc that runs the pipeline in a child process, exe
// being the kidney3d program, 5 nice levels below the app
// (childrun.Run says why a child rather than goroutines of the app).
func ChildRun(exe string) RunFunc {
	return func(ctx context.Context, dir string, opts caserun.Options, _, _ io.Writer) error {
		return childrun.Run(ctx, exe, dir, opts, childrun.Nicer())
	}
}
