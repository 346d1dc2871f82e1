#!/bin/bash
# sign.sh FILE — Authenticode-signs a Windows file in place with
# osslsigncode, from KIDNEY3D_SIGN_CERT and KIDNEY3D_SIGN_KEY (and
# KIDNEY3D_SIGN_PASS); the signing time is SOURCE_DATE_EPOCH, so that the
# same file signs to the same bytes. No timestamp server: builds are offline.
set -euo pipefail
osslsigncode sign -certs "$KIDNEY3D_SIGN_CERT" -key "$KIDNEY3D_SIGN_KEY" ${KIDNEY3D_SIGN_PASS:+-pass "$KIDNEY3D_SIGN_PASS"} \
	-n kidney3d -i https://example.invalid/kidney3d -h sha256 -time "$SOURCE_DATE_EPOCH" \
	-in "$1" -out "$1.signed" >/dev/null
mv "$1.signed" "$1"
