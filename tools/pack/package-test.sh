#!/bin/bash
# package-test.sh — `make package-test`: the installers tested as IT would
# use them. Signs with a throwaway certificate and GnuPG key made here,
# builds the packages twice and compares their bytes, runs lintian,
# verifies the signatures, installs the .deb into a clean Debian 12 root
# (debootstrap, minbase: no compilers, no development packages) and runs
# kidney3d there (then kidney3d-cuda, whose GPU request must fall back to
# CPU there and say why), then installs the Windows installer into a fresh Wine
# prefix and runs kidney3d.exe there; each is uninstalled and checked for
# leftovers. Prints each step's time. The Makefile sets the same variables as
# for package.sh. PACKAGE_TEST_SKIP may hold "build" (test the packages
# already in DIST: no builds, byte comparison, lintian or signatures),
# "linux" and "wine".
set -euo pipefail
export LC_ALL=C TZ=UTC
here=tools/pack
work=$(mktemp -d /tmp/kidney3d-package-test.XXXXXX)
root=$work/root
cleanup() {
	for m in dev/pts dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done
	WINEPREFIX=$work/wine /usr/lib/wine/wineserver -k 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
t0=$(date +%s)
step() { printf '[%4ds] %s\n' $(($(date +%s) - t0)) "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

skip() { [[ " ${PACKAGE_TEST_SKIP:-} " == *" $1 "* ]]; }
deb=$DIST/kidney3d_${VERSION}_amd64.deb
cudadeb=$DIST/kidney3d-cuda_${VERSION}_amd64.deb
setup=$DIST/kidney3d-$VERSION-setup.exe
if ! skip build; then
step "throwaway signing keys"
openssl req -x509 -newkey rsa:3072 -nodes -days 7 -subj "/CN=kidney3d test signing" \
	-keyout "$work/sign.key" -out "$work/sign.crt" 2>/dev/null
export GNUPGHOME=$work/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "kidney3d test <test@example.invalid>" rsa3072 sign 1d 2>/dev/null
export KIDNEY3D_SIGN_CERT=$work/sign.crt KIDNEY3D_SIGN_KEY=$work/sign.key KIDNEY3D_GPG_KEY=test@example.invalid

step "make package, first build"
./$here/package.sh
(cd "$DIST" && sha256sum kidney3d*) >"$work/first.sha256"
step "make package, second build"
./$here/package.sh
(cd "$DIST" && sha256sum kidney3d*) >"$work/second.sha256"
diff "$work/first.sha256" "$work/second.sha256" || fail "two builds of one commit differ"
step "reproducible: both builds gave the same bytes"
cat "$work/second.sha256"

step "sizes"
ls -l "$DIST"/kidney3d* | awk '{printf "  %-60s %6.1f MB\n", $9, $5/1e6}'

step "lintian"
lintian --tag-display-limit 0 --fail-on error "$deb" "$cudadeb" || fail "lintian reports errors"

step "signatures"
osslsigncode verify -CAfile "$KIDNEY3D_SIGN_CERT" -in "$DIST/build/win/kidney3d.exe" | grep -E "^Signature verification|Signer's certificate" || true
osslsigncode verify -CAfile "$KIDNEY3D_SIGN_CERT" -in "$DIST/build/win/kidney3d.exe" >/dev/null || fail "kidney3d.exe's signature"
osslsigncode verify -CAfile "$KIDNEY3D_SIGN_CERT" -in "$setup" >/dev/null || fail "the installer's signature"
gpg --batch --verify "$DIST/SHA256SUMS.asc" "$DIST/SHA256SUMS" 2>&1 | grep -E "Good signature" || fail "SHA256SUMS.asc"
(cd "$DIST" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS"
fi

# Reference outputs from the packaged Linux binary, for the Wine run.
ref=$work/ref
mkdir -p "$ref"
bin=$DIST/build/linux/kidney3d
KIDNEY3D_ONNXRUNTIME=$ORT_DIR/linux-x64 "$bin" demo --out "$ref/case" --seed 1 --size small >/dev/null
KIDNEY3D_ONNXRUNTIME=$ORT_DIR/linux-x64 "$bin" mesh "$ref/case/truth/labels.nii.gz" --out "$ref/meshes" --format obj,stl >/dev/null
KIDNEY3D_ONNXRUNTIME=$ORT_DIR/linux-x64 "$bin" run "$ref/case" >/dev/null

if ! skip linux; then
	base=.deps/debian12-minbase.tar
	if [ ! -f "$base" ]; then
		step "debootstrap: a minimal Debian 12 root (once; kept in $base)"
		debootstrap --variant=minbase bookworm "$work/base" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
			{ tail -5 "$work/debootstrap.log"; fail "debootstrap"; }
		tar -C "$work/base" -cf "$base.tmp" . && mv "$base.tmp" "$base" && rm -rf "$work/base"
	fi
	step "Linux: clean root from $base"
	mkdir -p "$root" && tar -C "$root" -xf "$base"
	mount -t proc proc "$root/proc" && mount --rbind /dev "$root/dev" && mount -t sysfs sys "$root/sys"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	cp "$deb" "$root/tmp/"
	devel='-dev$|^(gcc|g\+\+|cpp|clang|golang)(-[0-9.]+)?$|^make$|^python3$'
	in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive "$@"; }
	in_root dpkg-query -W -f '${Package}\n' | grep -E -- "$devel" && fail "the clean root has development packages"
	step "Linux: apt-get install ./$(basename "$deb") (and xvfb, for the test only)"
	in_root apt-get update -qq
	in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" >"$work/apt.log" || { tail "$work/apt.log"; fail "installing the .deb"; }
	in_root dpkg-query -W -f '${Package}\n' | grep -E -- "$devel" && fail "installing kidney3d pulled development packages"
	in_root apt-get install -y -qq --no-install-recommends xvfb xauth >>"$work/apt.log"
	in_root dpkg -L kidney3d >"$work/files"
	step "Linux: kidney3d --version, demo, run, render --png, view --screenshot"
	in_root kidney3d --version | tee "$work/version"
	grep -q "^ONNX Runtime 1.29.0 (/usr/lib/kidney3d/libonnxruntime.so.1)" "$work/version" || fail "ONNX Runtime not found in /usr/lib/kidney3d"
	in_root kidney3d models list | head -5
	in_root kidney3d demo --out /tmp/case --seed 1 --size small >/dev/null
	in_root kidney3d run /tmp/case | tail -3
	in_root kidney3d render /tmp/case --png /tmp/render.png >/dev/null
	in_root xvfb-run -a -s "-screen 0 1280x800x24" kidney3d view /tmp/case --screenshot /tmp/view.png >/dev/null 2>&1 || fail "view --screenshot"
	for f in render.png view.png; do [ -s "$root/tmp/$f" ] || fail "no $f"; done
	cmp "$root/tmp/case/output/labels.nii.gz" "$ref/case/output/labels.nii.gz" && step "Linux: the installed binary's labels equal the build host's"
	step "Linux: apt-get install ./$(basename "$cudadeb") (no NVIDIA driver, CUDA or GPU here)"
	cp "$cudadeb" "$root/tmp/"
	in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$cudadeb")" >>"$work/apt.log" || { tail "$work/apt.log"; fail "installing kidney3d-cuda"; }
	in_root dpkg -L kidney3d-cuda >>"$work/files"
	in_root kidney3d --version | tee "$work/version" | grep -qx "providers: cpu, cuda" || fail "with kidney3d-cuda, --version lists no cuda"
	in_root kidney3d run /tmp/case --device gpu --force organs 2>&1 >/dev/null | grep '^organs ' | tee "$work/organs"
	grep -q "on CPU: cuda did not start (" "$work/organs" || fail "run --device gpu did not say why it ran on CPU"
	cmp "$root/tmp/case/output/labels.nii.gz" "$ref/case/output/labels.nii.gz" || fail "run --device gpu's labels differ from the CPU run's"
	step "Linux: with kidney3d-cuda, --version lists cuda; run --device gpu fell back to CPU, said why, same labels"
	step "Linux: dpkg -r kidney3d-cuda kidney3d"
	in_root dpkg -r kidney3d-cuda kidney3d >/dev/null
	left=$(while read -r f; do [ -f "$root$f" ] || [ -L "$root$f" ] && echo "$f"; done <"$work/files"; for d in /usr/lib/kidney3d /usr/share/kidney3d /usr/share/doc/kidney3d /usr/share/doc/kidney3d-cuda; do [ -e "$root$d" ] && echo "$d"; done; true)
	[ -z "$left" ] || fail "dpkg -r left: $left"
	step "Linux: nothing of the package is left"
	for m in dev/pts dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done
fi

if ! skip wine; then
	step "Wine: a fresh prefix with the test-only bcryptprimitives.dll shim"
	export WINEPREFIX=$work/wine WINEDEBUG=-all
	wine=/usr/lib/wine/wine64
	tools/wine/prefix.sh "$WINEPREFIX"
	cp "$setup" "$work/setup.exe"
	step "Wine: setup.exe /S /D=C:\\kidney3d (per machine)"
	(cd "$work" && $wine setup.exe /AllUsers /S '/D=C:\kidney3d')
	/usr/lib/wine/wineserver -w
	inst=$WINEPREFIX/drive_c/kidney3d
	for f in kidney3d.exe onnxruntime.dll DirectML.dll uninstall.exe; do [ -f "$inst/$f" ] || fail "not installed: $f"; done
	skip build || osslsigncode verify -CAfile "$KIDNEY3D_SIGN_CERT" -in "$inst/uninstall.exe" >/dev/null || fail "the uninstaller's signature"
	$wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\kidney3d' | grep -q DisplayVersion || fail "no uninstall entry"
	$wine reg query 'HKLM\Software\Classes\.nii\OpenWithProgids' | grep -q kidney3d.nifti || fail "no .nii association"
	ls "$WINEPREFIX/drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs/kidney3d.lnk" >/dev/null || fail "no Start-menu entry"
	exe='C:\kidney3d\kidney3d.exe'
	wcase="Z:$(echo "$work/wcase" | tr / '\\')"
	step "Wine: kidney3d.exe --version, info, demo, mesh, run"
	$wine $exe --version 2>&1 | tr -d '\r' | tee "$work/wversion"
	$wine $exe demo --out "$wcase" --seed 1 --size small >/dev/null 2>"$work/wdemo.err" || { cat "$work/wdemo.err"; fail "demo under Wine"; }
	$wine $exe info "$wcase\\input\\A.nii.gz" 2>&1 | tr -d '\r' | head -4
	$wine $exe mesh "$wcase\\truth\\labels.nii.gz" --out "$wcase-meshes" --format obj,stl >/dev/null 2>"$work/wmesh.err" || { cat "$work/wmesh.err"; fail "mesh under Wine"; }
	for f in input/A.nii.gz input/P.nii.gz truth/labels.nii.gz; do
		cmp "$work/wcase/$f" "$ref/case/$f" || fail "demo $f differs from Linux"
	done
	(cd "$ref/meshes" && sha256sum *) >"$work/lmesh.sha"
	(cd "$work/wcase-meshes" && sha256sum -c --quiet "$work/lmesh.sha") || fail "meshes differ from Linux"
	step "Wine: demo and mesh outputs are the same bytes as on Linux"
	if $wine $exe run "$wcase" >"$work/wrun.out" 2>&1; then
		cmp "$work/wcase/output/labels.nii.gz" "$ref/case/output/labels.nii.gz" || fail "run's labels differ from Linux"
		step "Wine: run's label map is the same bytes as on Linux"
	else
		tr -d '\r' <"$work/wrun.out" | tail -5
		step "Wine: run failed (above)"
		[ -n "${PACKAGE_TEST_WINE_RUN_MAY_FAIL:-}" ] || fail "run under Wine"
	fi
	step "Wine: uninstall.exe /S"
	$wine 'C:\kidney3d\uninstall.exe' /AllUsers /S
	/usr/lib/wine/wineserver -w
	sleep 2
	[ ! -e "$inst" ] || fail "uninstall left $(ls "$inst")"
	$wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\kidney3d' >/dev/null 2>&1 && fail "uninstall left the registry key"
	[ ! -e "$WINEPREFIX/drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs/kidney3d.lnk" ] || fail "uninstall left the shortcut"
	step "Wine: per-user install and uninstall (/CurrentUser)"
	(cd "$work" && $wine setup.exe /CurrentUser /S)
	/usr/lib/wine/wineserver -w
	uinst=$(find "$WINEPREFIX/drive_c/users" -path '*Programs/kidney3d/kidney3d.exe' | head -1)
	[ -n "$uinst" ] || fail "per-user install: no kidney3d.exe under the user's Programs"
	$wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\kidney3d' | grep -q DisplayVersion || fail "no per-user uninstall entry"
	$wine "$(dirname "$uinst")/uninstall.exe" /CurrentUser /S
	/usr/lib/wine/wineserver -w
	sleep 2
	[ ! -e "$(dirname "$uinst")" ] || fail "per-user uninstall left $(dirname "$uinst")"
	step "Wine: nothing of either install is left"
fi
step "package-test passed"
