#!/usr/bin/env bash
# queue20.sh BIN: the local queue's acceptance run (BENCHMARKS.md, "Case library
# and queue"). Writes 20 small demo cases with their masks given (4 seeds, 5
# copies each) with mixed priorities, runs `queue run` and kills it with SIGKILL
# while the first case runs, runs it again to the end, then checks that the jobs
# started most urgent first and that every copy of a seed has byte-identical
# outputs. Prints the time of each part.
set -euo pipefail
BIN=$(realpath "${1:-bin/kidney3d}")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
DB="$W/library.db"
prios=(urgent normal batch normal batch)
for s in 1 2 3 4; do "$BIN" demo --out "$W/tpl$s" --seed "$s" --defects >/dev/null; done
n=0
for copy in 0 1 2 3 4; do
  for s in 1 2 3 4; do
    d="$W/cases/s$s-c$copy"; mkdir -p "$d"; cp -r "$W/tpl$s/input" "$d/"
    "$BIN" queue add "$d" --priority "${prios[$(( (n + s) % 5 ))]}" --db "$DB" >/dev/null
    n=$((n + 1))
  done
done
t0=$(date +%s.%N)
"$BIN" queue run --until-empty --db "$DB" >"$W/run1.log" &
pid=$!
while ! ls "$W"/cases/*/manifest.json >/dev/null 2>&1; do sleep 0.05; done
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
t1=$(date +%s.%N)
"$BIN" queue run --until-empty --db "$DB" >"$W/run2.log"
t2=$(date +%s.%N)
cat "$W/run1.log" "$W/run2.log" | grep -o 'job [0-9]* ([a-z]*' | awk '{print $3}' | tr -d '(' >"$W/order"
echo "start order: $(tr '\n' ' ' <"$W/order")"
rank() { case $1 in urgent) echo 0;; normal) echo 1;; batch) echo 2;; esac; }
prev=0; ok=1
while read -r p; do r=$(rank "$p"); [ "$r" -ge "$prev" ] || ok=0; prev=$r; done < <(tail -n +2 "$W/order")
echo "priority order kept (after the killed job's restart): $([ $ok = 1 ] && echo yes || echo NO)"
"$BIN" queue list --all --db "$DB" | awk 'NR>1 && $2!="done"{bad++} END{print "jobs not done:", bad+0}'
diffs=0
for s in 1 2 3 4; do
  for copy in 1 2 3 4; do
    diff -r -q "$W/cases/s$s-c0/output" "$W/cases/s$s-c$copy/output" >/dev/null || diffs=$((diffs + 1))
  done
done
echo "copies whose outputs differ from their seed's first copy: $diffs"
grep -h 'queued again' "$W/run2.log" || true
printf 'killed after %.1f s; the rest took %.1f s\n' "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
