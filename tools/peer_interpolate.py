#!/usr/bin/python3
"""Peer of segtools.InterpolateSlices for BENCHMARKS.md: shape-based
interpolation (Raya and Udupa 1990) with SciPy. Each drawn slice of a binary
mask along an axis becomes a signed Euclidean distance map in mm
(scipy.ndimage.distance_transform_edt, negative inside); the slices between two
drawn ones are the zero sublevel set of the linear interpolation of their
maps. Works on the mask's bounding box, as kidney3d does.

usage: peer_interpolate.py DRAWN.nii.gz AXIS OUT.nii.gz [REPEATS]
Prints one JSON line: {"seconds": best time of the interpolation alone}.
"""
import json
import sys
import time

import nibabel as nib
import numpy as np
from scipy import ndimage


def signed(sl, sampling):
    inside = ndimage.distance_transform_edt(sl, sampling=sampling)
    outside = ndimage.distance_transform_edt(~sl, sampling=sampling)
    return outside - inside


def interpolate(m, axis, spacing):
    nz = np.nonzero(m)
    lo = [max(int(a.min()) - 1, 0) for a in nz]
    hi = [min(int(a.max()) + 2, s) for a, s in zip(nz, m.shape)]
    lo[axis], hi[axis] = int(nz[axis].min()), int(nz[axis].max()) + 1
    box = np.moveaxis(m[tuple(slice(a, b) for a, b in zip(lo, hi))] != 0, axis, 0)
    sampling = [s for a, s in enumerate(spacing) if a != axis]
    drawn = [k for k in range(box.shape[0]) if box[k].any()]
    out = box.copy()
    for a, b in zip(drawn, drawn[1:]):
        da, db = signed(box[a], sampling), signed(box[b], sampling)
        for k in range(a + 1, b):
            t = (k - a) / (b - a)
            out[k] = (1 - t) * da + t * db <= 0
    full = np.zeros(m.shape, np.uint8)
    full[tuple(slice(a, b) for a, b in zip(lo, hi))] = np.moveaxis(out, 0, axis)
    return full


def main():
    img = nib.load(sys.argv[1])
    axis, out_path = int(sys.argv[2]), sys.argv[3]
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    m = np.asanyarray(img.dataobj)
    spacing = img.header.get_zooms()[:3]
    best, res = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = interpolate(m, axis, spacing)
        best = min(best, time.perf_counter() - t0)
    nib.save(nib.Nifti1Image(res, img.affine), out_path)
    print(json.dumps({"seconds": best}))


if __name__ == "__main__":
    main()
