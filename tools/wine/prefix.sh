#!/bin/bash
# prefix.sh PREFIX — makes a 64-bit Wine prefix at PREFIX for the Windows
# tests and puts the test-only bcryptprimitives.dll shim (Go's runtime needs
# ProcessPrng; Wine 8.0 has none) into its system32. Prints nothing on
# success. Needs Debian's wine64 and gcc-mingw-w64-x86-64.
set -euo pipefail
prefix=$1
here=$(cd "$(dirname "$0")" && pwd)
export WINEPREFIX=$prefix WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$prefix"
if [ ! -f "$prefix/system.reg" ]; then
	/usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1
	/usr/lib/wine/wineserver -w
fi
x86_64-w64-mingw32-gcc -O2 -shared -s -o "$prefix/drive_c/windows/system32/bcryptprimitives.dll" \
	"$here/bcryptprimitives.c" "$here/bcryptprimitives.def" -ladvapi32
