#!/bin/bash
# check-tree.sh DEB — lintian (no errors), then the package's tree extracted
# to a temporary folder and run in place, as the portable .tar.xz runs:
# kidney3d must find its ONNX Runtime in ../lib/kidney3d, report it in
# --version, and make and run a small demo case.
set -euo pipefail
deb=$1
t0=$(date +%s)
lintian --no-tag-display-limit --fail-on error "$deb"
echo "lintian: no errors ($(($(date +%s) - t0)) s)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp/root"
k=$tmp/root/usr/bin/kidney3d
env -u KIDNEY3D_ONNXRUNTIME "$k" --version | tee "$tmp/version"
grep -q "^ONNX Runtime .*($tmp/root/usr/lib/kidney3d/libonnxruntime.so.1)" "$tmp/version" ||
	{ echo "the extracted tree's kidney3d did not load its own ONNX Runtime" >&2; exit 1; }
env -u KIDNEY3D_ONNXRUNTIME "$k" demo --out "$tmp/case" --seed 1 --size small >/dev/null
env -u KIDNEY3D_ONNXRUNTIME "$k" run "$tmp/case" >/dev/null
[ -s "$tmp/case/output/labels.nii.gz" ] && [ -s "$tmp/case/output/report.json" ]
echo "extracted tree: --version, demo and run work ($(($(date +%s) - t0)) s)"
