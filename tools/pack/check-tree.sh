#!/bin/bash
# check-tree.sh DEB [CUDA_DEB] — lintian (no errors), then the package's
# tree extracted to a temporary folder and run in place, as the portable
# .tar.xz runs: kidney3d must find its ONNX Runtime in ../lib/kidney3d,
# report it in --version, and make and run a small demo case. With the
# kidney3d-cuda package too (extracted into the same tree), --version must
# list the CUDA provider, and where CUDA cannot start (no NVIDIA libraries
# or GPU) `run --device gpu` must say why on the model stages' lines and
# give the CPU run's labels.
set -euo pipefail
deb=$1
cudadeb=${2:-}
t0=$(date +%s)
lintian --tag-display-limit 0 --fail-on error "$deb" ${cudadeb:+"$cudadeb"}
echo "lintian: no errors ($(($(date +%s) - t0)) s)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp/root"
[ -z "$cudadeb" ] || dpkg-deb -x "$cudadeb" "$tmp/root"
k=$tmp/root/usr/bin/kidney3d
env -u KIDNEY3D_ONNXRUNTIME "$k" --version | tee "$tmp/version"
grep -q "^ONNX Runtime .*($tmp/root/usr/lib/kidney3d/libonnxruntime.so.1)" "$tmp/version" ||
	{ echo "the extracted tree's kidney3d did not load its own ONNX Runtime" >&2; exit 1; }
env -u KIDNEY3D_ONNXRUNTIME "$k" demo --out "$tmp/case" --seed 1 --size small >/dev/null
env -u KIDNEY3D_ONNXRUNTIME "$k" run "$tmp/case" >/dev/null
[ -s "$tmp/case/output/labels.nii.gz" ] && [ -s "$tmp/case/output/report.json" ]
echo "extracted tree: --version, demo and run work ($(($(date +%s) - t0)) s)"
if [ -n "$cudadeb" ]; then
	grep -qx "providers: cpu, cuda" "$tmp/version" || { echo "with kidney3d-cuda, --version lists no cuda" >&2; exit 1; }
	cp "$tmp/case/output/labels.nii.gz" "$tmp/cpu-labels.nii.gz"
	env -u KIDNEY3D_ONNXRUNTIME "$k" run "$tmp/case" --device gpu --force organs 2>&1 >/dev/null | grep '^organs ' | tee "$tmp/organs"
	if grep -q "on CPU: cuda did not start (" "$tmp/organs"; then
		cmp "$tmp/case/output/labels.nii.gz" "$tmp/cpu-labels.nii.gz"
		echo "extracted tree with kidney3d-cuda: cuda listed; run --device gpu fell back to CPU, said why, same labels ($(($(date +%s) - t0)) s)"
	else
		grep -q '"provider": "cuda"' "$tmp/case/manifest.json" ||
			{ echo "run --device gpu: organs ran on CPU without saying why" >&2; exit 1; }
		echo "extracted tree with kidney3d-cuda: cuda listed; run --device gpu ran on the GPU ($(($(date +%s) - t0)) s)"
	fi
fi
