// Package labelops holds fast operations on binary label masks: connected
// components (6 or 26), Euclidean distance transforms in millimetres with
// anisotropic spacing, dilation and erosion by a ball in millimetres, hole
// filling and geodesic minimal paths on a cost volume.
//
// A binary mask is a *volume.Volume[uint8]: 0 is outside, any other value
// inside; masks returned are 0/1 on the input's grid. Operations cost time
// and memory in proportion to the volume they get, so callers crop a mask to
// its bounding box (volume.BoundingBox, volume.GrowBox, volume.Crop) before
// calling and paste the result back (volume.Paste). Each operation runs in
// parallel over slices or lines and its result does not depend on
// GOMAXPROCS.
package labelops
