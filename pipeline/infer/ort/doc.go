// Package ort runs ONNX models with ONNX Runtime, loaded at run time from a
// shared library that ships next to the kidney3d binary.
//
// Init finds and loads the library once per process (see Init for where it
// looks); NewSession calls it for you. A Session holds one model on one
// execution provider and runs float32 batches of any shape the model
// accepts:
//
//	s, err := ort.NewSession(model, ort.Options{Provider: ort.Auto, Log: log})
//	if err != nil { ... }
//	defer s.Close()
//	out, outShape, err := s.Run(ctx, patch, []int64{1, 2, 128, 128, 128})
//
// Provider choice is forgiving: a GPU provider that cannot be attached
// (provider libraries not installed, no device, driver errors) is skipped with
// a logged reason and the next one is tried, CPU always last; a GPU run that
// fails in the middle of a case (out of GPU memory, a lost device) is retried
// on CPU and the session stays on CPU from then on. Cancelling the context of
// a Run stops ONNX Runtime between operators.
//
// ONNX Runtime's environment is process-wide: it is created once and lives
// until the process ends.
package ort
