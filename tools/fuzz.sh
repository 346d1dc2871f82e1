#!/usr/bin/env bash
# Runs every fuzz target of every package (found by `go test -list`, so
# none is forgotten) for FUZZTIME on its kept corpus, with FUZZFLAGS.
#
# Go 1.26's fuzz coordinator can fail a target with a bare "context
# deadline exceeded" when -fuzztime ends while a worker is mid-input
# (go.dev/issue/75804, fixed in Go 1.27). Such a run, which writes no
# failing input, is run once more; a failing input, or the same failure
# twice, fails.
set -euo pipefail
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-5s}
FUZZFLAGS=${FUZZFLAGS:--fuzzminimizetime=0}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
pkgs=$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u)
for pkg in $pkgs; do
  for f in $($GO test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
    echo "fuzz $pkg $f"
    for try in 1 2; do
      # shellcheck disable=SC2086
      if $GO test -run='^$' -fuzz="^$f\$" -fuzztime="$FUZZTIME" $FUZZFLAGS "$pkg" >"$log" 2>&1; then
        grep -v '^fuzz: elapsed' "$log" || true
        break
      fi
      cat "$log"
      if [ "$try" = 2 ] || grep -q 'Failing input written' "$log" || ! grep -q 'context deadline exceeded' "$log"; then
        exit 1
      fi
      echo "fuzz $pkg $f: stopped at its deadline with no failing input (go.dev/issue/75804); once more"
    done
  done
done
