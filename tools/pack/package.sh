#!/bin/bash
# package.sh — `make package`: builds kidney3d for Linux and Windows and
# packs dist/kidney3d_VERSION_amd64.deb, dist/kidney3d-VERSION-linux-amd64.tar.xz,
# dist/kidney3d-VERSION-setup.exe and dist/SHA256SUMS. The Makefile sets
# GO, VERSION, DIST, ORT_DIR, RELEASE_FLAGS and SOURCE_DATE_EPOCH; from the
# same commit every file is the same bytes.
#
# Signing (all optional; without them the files are unsigned):
#   KIDNEY3D_SIGN_CERT, KIDNEY3D_SIGN_KEY  Authenticode certificate (PEM or DER)
#                                          and key for kidney3d.exe and setup.exe
#   KIDNEY3D_SIGN_PASS                     the key's password, if any
#   KIDNEY3D_GPG_KEY                       GnuPG key that signs SHA256SUMS (SHA256SUMS.asc)
# PACKAGE_BIN=FILE packs that Linux binary instead of building one, and
# only the .deb (`make package-check`).
# Optional: KIDNEY3D_PACKAGE_CUDA=1 also packs kidney3d-cuda_VERSION_amd64.deb
# (with PACKAGE_BIN too) from ONNX Runtime's CUDA provider in ORT_DIR (make deps-gpu).
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC
: "${GO:?} ${VERSION:?} ${DIST:?} ${ORT_DIR:?} ${RELEASE_FLAGS:?} ${SOURCE_DATE_EPOCH:?}"
here=tools/pack
build=$DIST/build
maintainer="kidney3d maintainers <kidney3d@example.invalid>"
day=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
deb=$DIST/kidney3d_${VERSION}_amd64.deb
tarxz=$DIST/kidney3d-$VERSION-linux-amd64.tar.xz
setup=$DIST/kidney3d-$VERSION-setup.exe
step() { printf '%s %s\n' "$(date -u +%T)" "$*"; }

rm -rf "$build/tree" "$build/win" "$build/cuda" "$DIST"/kidney3d* "$DIST"/SHA256SUMS*
mkdir -p "$build/linux" "$build/windows"

if [ -n "${PACKAGE_BIN:-}" ]; then
	strip -o "$build/linux/kidney3d" "$PACKAGE_BIN" # as -ldflags -s -w would
else
	step "building kidney3d $VERSION for Linux (position-independent, as Debian's hardening wants)"
	eval "$GO build -buildmode=pie $RELEASE_FLAGS -o $build/linux/kidney3d ."
	step "building kidney3d.exe for Windows (mingw-w64)"
	eval "CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc $GO build $RELEASE_FLAGS -o $build/windows/kidney3d.exe ."
fi
(cd $here && GOWORK=off $GO build -trimpath -buildvcs=false -o "$OLDPWD/$build/pack" .)
pack=$build/pack

# sign FILE: Authenticode, when a certificate is given.
sign() { [ -z "${KIDNEY3D_SIGN_CERT:-}" ] || "$here/sign.sh" "$1"; }

step "staging the Linux tree"
tree=$build/tree
install -D -m 0755 "$build/linux/kidney3d" "$tree/usr/bin/kidney3d"
install -D -m 0644 "$ORT_DIR/linux-x64/libonnxruntime.so.1" "$tree/usr/lib/kidney3d/libonnxruntime.so.1"
install -D -m 0644 "$here/models-README" "$tree/usr/share/kidney3d/models/README"
install -D -m 0644 "$here/copyright" "$tree/usr/share/doc/kidney3d/copyright"
install -D -m 0644 "$here/lintian-overrides" "$tree/usr/share/lintian/overrides/kidney3d"
"$pack" changelog -version "$VERSION" -date "$(date -u -R -d "@$SOURCE_DATE_EPOCH")" -maintainer "$maintainer" \
	-out "$tree/usr/share/doc/kidney3d/changelog.gz"
"$build/linux/kidney3d" help >"$build/help.txt"
"$pack" man -usage "$build/help.txt" -version "$VERSION" -date "$day" -out "$tree/usr/share/man/man1/kidney3d.1.gz"
"$pack" share -app FyneApp.toml -version "$VERSION" -date "$day" -out "$tree/usr/share"
"$pack" icons -src assets/icon.png -name org.kidney3d.app -out "$tree/usr/share/icons/hicolor" -ico "$build/kidney3d.ico"

# Depends: what dpkg-shlibdeps finds the ELF files need, plus what they
# dlopen at run time: EGL (offscreen rendering) with Mesa's EGL vendor and GL
# drivers (llvmpipe where there is no GPU), and the X11 extensions GLFW loads.
shl=$build/shlibdeps
rm -rf "$shl" && mkdir -p "$shl/debian"
printf 'Source: kidney3d\n\nPackage: kidney3d\nArchitecture: amd64\n' >"$shl/debian/control"
(cd "$shl" && dpkg-shlibdeps -O -e"$OLDPWD/$tree/usr/bin/kidney3d" -e"$OLDPWD/$tree/usr/lib/kidney3d/libonnxruntime.so.1" 2>/dev/null) \
	| sed -n 's/^shlibs:Depends=//p' >"$build/depends"
depends="$(cat "$build/depends"), libegl1, libegl-mesa0, libgl1-mesa-dri, libxcursor1, libxi6, libxinerama1, libxrandr2, libxxf86vm1"
step "Depends: $depends"

find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
step "packing $deb"
"$pack" deb -tree "$tree" -app FyneApp.toml -version "$VERSION" -depends "$depends" -maintainer "$maintainer" -out "$deb"

# kidney3d-cuda: ONNX Runtime's CUDA provider (and the bridge it loads
# through) beside the core library, where kidney3d's provider discovery
# looks. Not its TensorRT provider: kidney3d never asks for it. The NVIDIA
# libraries it loads (driver ≥ 580, CUDA 13's cudart, cuBLAS and cuRAND,
# cuDNN 9) are not in Debian: NVIDIA's repository has them, hence Suggests.
if [ "${KIDNEY3D_PACKAGE_CUDA:-}" = 1 ]; then
	cudadeb=$DIST/kidney3d-cuda_${VERSION}_amd64.deb
	step "packing $cudadeb"
	cuda=$build/cuda
	for f in libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so; do
		install -D -m 0644 "$ORT_DIR/linux-x64/$f" "$cuda/usr/lib/kidney3d/$f"
	done
	install -D -m 0644 "$here/copyright" "$cuda/usr/share/doc/kidney3d-cuda/copyright"
	install -D -m 0644 "$tree/usr/share/doc/kidney3d/changelog.gz" "$cuda/usr/share/doc/kidney3d-cuda/changelog.gz"
	find "$cuda" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	# dpkg-shlibdeps cannot read the CUDA provider (its NVIDIA libraries are
	# not installed here); the glibc and libstdc++ symbol versions it needs
	# (GLIBC_2.27, GLIBCXX_3.4.21) are older than the core library's, which
	# kidney3d's own Depends cover. The bridge library is read as usual.
	(cd "$shl" && dpkg-shlibdeps -O -e"$OLDPWD/$cuda/usr/lib/kidney3d/libonnxruntime_providers_shared.so" 2>/dev/null) \
		| sed -n 's/^shlibs:Depends=//p' >"$build/cuda-depends"
	"$pack" deb -tree "$cuda" -app FyneApp.toml -name kidney3d-cuda -version "$VERSION" -maintainer "$maintainer" \
		-synopsis "Kidney 3D model from CT: NVIDIA GPU (CUDA) support" \
		-depends "kidney3d (= $VERSION), $(cat "$build/cuda-depends")" \
		-suggests "nvidia-driver (>= 580) | libcuda1 (>= 580), cuda-cudart-13-0, libcublas-13-0, libcurand-13-0, libcudnn9-cuda-13" \
		-description "ONNX Runtime's CUDA execution provider for kidney3d, so that its models run on an NVIDIA GPU (kidney3d run --device gpu, or auto). It needs the NVIDIA driver (580 or newer), CUDA 13 (cudart, cuBLAS, cuRAND) and cuDNN 9, from NVIDIA's repository; where they or the GPU are missing, kidney3d runs on the CPU and says why." \
		-out "$cudadeb"
fi
if [ -n "${PACKAGE_BIN:-}" ]; then
	exit 0
fi
step "packing $tarxz"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner --format=gnu \
	-C "$tree/usr" --transform "s,^\.,kidney3d-$VERSION," -cf - . | xz -T1 -6 >"$tarxz"

step "staging and packing the Windows installer"
win=$build/win
mkdir -p "$win"
cp "$build/windows/kidney3d.exe" "$ORT_DIR/win32-x64/onnxruntime.dll" "$ORT_DIR/win32-x64/DirectML.dll" "$build/kidney3d.ico" "$win/"
sed 's/$/\r/' "$here/copyright" >"$win/LICENSE.txt"
sign "$win/kidney3d.exe"
find "$win" -exec touch -d "@$SOURCE_DATE_EPOCH" {} +
makensis -V2 -INPUTCHARSET UTF8 ${KIDNEY3D_SIGN_CERT:+-DSIGN="$(realpath "$here/sign.sh")"} -DVERSION="$VERSION" -DSRC="$(realpath "$win")" -DOUTFILE="$(realpath "$DIST")/$(basename "$setup")" "$here/kidney3d.nsi"
sign "$setup"

(cd "$DIST" && sha256sum -- kidney3d* >SHA256SUMS)
if [ -n "${KIDNEY3D_GPG_KEY:-}" ]; then
	gpg --batch --yes --local-user "$KIDNEY3D_GPG_KEY" --armor --detach-sign -o "$DIST/SHA256SUMS.asc" "$DIST/SHA256SUMS"
fi
step "done:"
ls -l "$DIST" | sed -n 's/^-[^ ]* *[0-9]* [^ ]* *[^ ]* *//p'
