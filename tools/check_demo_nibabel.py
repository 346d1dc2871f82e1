#!/usr/bin/python3
"""Check demo case folders written by `kidney3d demo` with nibabel.

    /usr/bin/python3 tools/check_demo_nibabel.py CASE_DIR...

For every case folder it checks, as nibabel sees the files, that
input/A.nii.gz, P.nii.gz and D.nii.gz load as int16 and truth/labels.nii.gz
as uint8; that P and D have A's shape, spacing and axes and that their grids
overlap A's in world space (at least 90% along every axis); that the truth
lies on A's grid and holds every label 1-15 (the cyst, 4, only when
truth/params.json says the case has one); that each phase's origin is the one
params.json records and each breathing shift is 2-6 mm; and that the voxel
order is read right: the mean of phase A over the truth's aorta is 260-340 HU.

Prints one JSON line: {"ok": ..., "cases": N, "failed": [...], "results": [...]}
with per-case details, and exits 1 when a check fails (2 on bad usage).
Needs Debian's python3-nibabel and python3-numpy.
"""

import json
import os
import sys

import nibabel as nib
import numpy as np

PHASES = ("A", "P", "D")
LABELS = range(1, 16)
CYST, AORTA = 4, 12


def world_bounds(img):
    """The world box spanned by the image's corner voxel centres."""
    shape = img.shape[:3]
    corners = np.array([[i, j, k, 1] for i in (0, shape[0] - 1) for j in (0, shape[1] - 1) for k in (0, shape[2] - 1)])
    world = corners @ img.affine.T
    return world[:, :3].min(axis=0), world[:, :3].max(axis=0)


def check_case(case):
    """Checks one case folder; returns (details, problems)."""
    problems = []
    with open(os.path.join(case, "truth", "params.json")) as f:
        params = json.load(f)
    imgs = {p: nib.load(os.path.join(case, "input", p + ".nii.gz")) for p in PHASES}
    truth = nib.load(os.path.join(case, "truth", "labels.nii.gz"))
    a = imgs["A"]
    details = {"case": case, "seed": params.get("seed"), "shape": list(a.shape),
               "spacing": [round(float(z), 4) for z in a.header.get_zooms()[:3]],
               "axes": "".join(nib.aff2axcodes(a.affine))}

    for p, img in imgs.items():
        if img.get_data_dtype() != np.int16:
            problems.append(f"{p}: dtype {img.get_data_dtype()}, want int16")
        if img.shape != a.shape or not np.allclose(img.affine[:3, :3], a.affine[:3, :3]):
            problems.append(f"{p}: grid {img.shape} differs from A's beyond its origin")
        origin = img.affine[:3, 3]
        if not np.allclose(origin, params["phases"][p]["origin_mm"], atol=1e-3):
            problems.append(f"{p}: origin {origin.tolist()}, params say {params['phases'][p]['origin_mm']}")
        shift = float(np.linalg.norm(params["phases"][p]["shift_mm"]))
        if (p == "A" and shift != 0) or (p != "A" and not 2 <= shift <= 6):
            problems.append(f"{p}: breathing shift {shift:.2f} mm")
    if truth.get_data_dtype() != np.uint8:
        problems.append(f"truth: dtype {truth.get_data_dtype()}, want uint8")
    if truth.shape != a.shape or not np.allclose(truth.affine, a.affine):
        problems.append("truth: not on A's grid")

    lo_a, hi_a = world_bounds(a)
    overlap = {}
    for p in ("P", "D"):
        lo, hi = world_bounds(imgs[p])
        frac = (np.minimum(hi, hi_a) - np.maximum(lo, lo_a)) / (hi_a - lo_a)
        overlap[p] = round(float(frac.min()), 4)
        if frac.min() < 0.9:
            problems.append(f"{p}: overlaps A by only {100 * frac.min():.1f}% along an axis")
    details["overlap"] = overlap

    labels = np.asanyarray(truth.dataobj)
    values, n = np.unique(labels, return_counts=True)
    counts = {int(v): int(c) for v, c in zip(values, n)}
    details["label_voxels"] = {str(v): counts.get(v, 0) for v in LABELS}
    has_cyst = params.get("cyst") is not None
    for v in LABELS:
        want = v != CYST or has_cyst
        if (counts.get(v, 0) > 0) != want:
            problems.append(f"truth: label {v} has {counts.get(v, 0)} voxels (cyst in params: {has_cyst})")
    hu = np.asanyarray(a.dataobj)
    aorta = float(hu[labels == AORTA].mean()) if counts.get(AORTA) and labels.shape == hu.shape else float("nan")
    details["aorta_hu_A"] = round(aorta, 1)
    if not 260 <= aorta <= 340:  # also false for nan
        problems.append(f"A: mean HU over the truth's aorta {aorta:.0f}, want 260-340")
    return details, problems


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    results, failed = [], []
    for case in argv:
        try:
            details, problems = check_case(case)
        except Exception as e:  # a file that does not load is a failed check
            details, problems = {"case": case}, [f"{type(e).__name__}: {e}"]
        details["problems"] = problems
        results.append(details)
        if problems:
            failed.append(case)
    print(json.dumps({"ok": not failed, "cases": len(results), "failed": failed, "results": results}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
