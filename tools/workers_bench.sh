#!/usr/bin/env bash
# workers_bench.sh BIN: the scale-out workers' acceptance run on a real
# RabbitMQ broker (tools/rabbitmq.sh), for BENCHMARKS.md ("Scale-out
# workers"); not part of make test (35 minutes on the shared 2 cores).
#  1. 3 workers, 60 small demo jobs (3 seeds × 20 copies, mixed priorities);
#     the broker is restarted once a quarter of them are done. Checks that
#     every job finished exactly once (the worker logs' "done" lines and the
#     cases' leases), that none was dead-lettered, and that every copy of a
#     seed has byte-identical outputs.
#  2. The same 3 workers, 200 jobs: 60 batch and 120 normal submitted at
#     once, 20 urgent 5 s later. Prints the throughput and the p50/p95 queue
#     wait (submitted → started) of each priority, how many other jobs
#     started while urgent ones waited, and each job's run time.
# SMALL=1 runs 6 and 9 jobs instead, to check the script itself.
set -euo pipefail
BIN=$(realpath "${1:-bin/kidney3d}")
TOOLS=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
URL=$("$TOOLS/rabbitmq.sh" start "$W/broker")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	"$TOOLS/rabbitmq.sh" stop "$W/broker" || true
	rm -rf "$W"
}
trap cleanup EXIT
export KIDNEY3D_BROKER_USER=guest KIDNEY3D_BROKER_PASSWORD=guest
mkdir -p "$W/root"
for s in 1 2 3; do "$BIN" demo --out "$W/tpl$s" --seed "$s" --defects >/dev/null; done
# cases PREFIX N: N copies of the seeds' inputs under the root.
cases() {
	for i in $(seq 0 $(($2 - 1))); do
		local s=$((i % 3 + 1)) d="$W/root/$1-s$((i % 3 + 1))-c$i"
		mkdir -p "$d" && cp -r "$W/tpl$s/input" "$d/"
		echo "$d"
	done
}
for i in 1 2 3; do
	"$BIN" worker --broker "$URL" --root "$W/root" --id "w$i" >"$W/w$i.log" 2>&1 &
	pids+=($!)
done
N1=60 N2=200
[ "${SMALL:-}" = 1 ] && N1=6 N2=9
elapsed() { printf '%.1f' "$(echo "$(date +%s.%N) - $1" | bc)"; }

echo "== $N1 jobs, broker restarted mid-run"
mapfile -t A < <(cases a $N1)
t0=$(date +%s.%N)
prios=(batch normal urgent)
for p in 0 1 2; do
	"$BIN" submit "${A[@]:$((p * N1 / 3)):$((N1 / 3))}" --broker "$URL" --root "$W/root" --priority "${prios[$p]}" >>"$W/a.jobs"
done
done_jobs() { cat "$W"/w*.log | grep -c '): done$' || true; }
while [ "$(done_jobs)" -lt $((N1 / 4)) ]; do sleep 0.2; done
echo "restarting the broker after $(elapsed "$t0") s, $(done_jobs) jobs done"
"$TOOLS/rabbitmq.sh" restart "$W/broker" >/dev/null
echo "broker back after $(elapsed "$t0") s"
finished() { grep -l '"done":"' "$W"/root/a-*/worker.lease 2>/dev/null | wc -l; }
while [ "$(finished)" -lt "$N1" ]; do sleep 0.5; done
echo "$N1 jobs finished after $(elapsed "$t0") s"
python3 - "$W" <<'EOF'
import glob, json, re, sys, collections
w = sys.argv[1]
jobs = {}
for line in open(f"{w}/a.jobs"):
    m = re.match(r"job (\S+): (\S+) ", line)
    jobs[m[1]] = m[2]
logs = "".join(open(p).read() for p in glob.glob(f"{w}/w*.log"))
done = collections.Counter(re.findall(r"job (\S+) \(\S+\): done$", logs, re.M))
print("jobs submitted:", len(jobs))
print("jobs run to completion: once", sum(1 for j in jobs if done[j] == 1),
      "| never", sum(1 for j in jobs if done[j] == 0), "| more than once", sum(1 for j in jobs if done[j] > 1))
print("redeliveries of finished jobs acknowledged without a run:", logs.count("finished already; acknowledged"))
print("acknowledgements lost with the broker:", logs.count("acknowledgement lost"))
print("dead-lettered:", logs.count("dead-lettered"))
bad = [c for j, c in jobs.items() if json.load(open(f"{w}/root/{c}/worker.lease")).get("done") != j]
print("cases whose lease does not name their job as done:", len(bad))
EOF
diffs=0
for d in "$W"/root/a-*; do
	ref=$(ls -d "$W"/root/a-s"$(basename "$d" | cut -d- -f2 | tr -d s)"-c* | head -1)
	diff -r -q "$ref/output" "$d/output" >/dev/null || diffs=$((diffs + 1))
done
echo "copies whose outputs differ from their seed's first copy: $diffs"

echo "== $N2 jobs, 3 workers"
mapfile -t B < <(cases b $N2)
nb=$((N2 * 3 / 10)) nn=$((N2 * 6 / 10))
nu=$((N2 - nb - nn))
t1=$(date +%s.%N)
"$BIN" submit "${B[@]:0:$nb}" --broker "$URL" --root "$W/root" --priority batch --watch --json >"$W/batch.jsonl" &
subs=($!)
"$BIN" submit "${B[@]:$nb:$nn}" --broker "$URL" --root "$W/root" --priority normal --watch --json >"$W/normal.jsonl" &
subs+=($!)
sleep 5
"$BIN" submit "${B[@]:$((nb + nn)):$nu}" --broker "$URL" --root "$W/root" --priority urgent --watch --json >"$W/urgent.jsonl" &
subs+=($!)
wait "${subs[@]}"
echo "$N2 jobs took $(elapsed "$t1") s"
python3 - "$W" <<'EOF'
import json, sys
from datetime import datetime
w = sys.argv[1]
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
first, last, total = None, None, 0
for prio in ("urgent", "normal", "batch"):
    waits, ends = [], 0
    seen = set()
    for line in open(f"{w}/{prio}.jsonl"):
        e = json.loads(line)
        if e["state"] == "submitted":
            first = min(first or t(e["time"]), t(e["time"]))
        if e["state"] == "started" and e["job"] not in seen:
            seen.add(e["job"])
            waits.append(t(e["time"]) - t(e["submitted"]))
        if e["state"] == "done":
            ends += 1
            last = max(last or 0, t(e["time"]))
    waits.sort()
    total += ends
    q = lambda p: waits[min(len(waits) - 1, int(p * len(waits)))]
    print(f"{prio}: {ends} done, queue wait p50 {q(0.5):.1f} s, p95 {q(0.95):.1f} s")
print(f"throughput: {total} jobs in {last - first:.1f} s = {total / (last - first) * 60:.1f} jobs/min")
ev = {p: [json.loads(l) for l in open(f"{w}/{p}.jsonl")] for p in ("urgent", "normal", "batch")}
when = lambda p, state: [t(e["time"]) for e in ev[p] if e["state"] == state]
usub, ulast = min(when("urgent", "submitted")), max(when("urgent", "started"))
print("normal or batch jobs started while urgent ones waited:",
      sum(1 for p in ("normal", "batch") for s in when(p, "started") if usub < s < ulast))
print(f"first batch start - last normal start: {min(when('batch', 'started')) - max(when('normal', 'started')):.1f} s")
runs = []
for p in ev:
    began = {}
    for e in ev[p]:
        if e["state"] == "started":
            began[e["job"]] = t(e["time"])
        if e["state"] == "done":
            runs.append(t(e["time"]) - began[e["job"]])
runs.sort()
print(f"run time per job (started → done): p50 {runs[len(runs) // 2]:.1f} s, p95 {runs[int(0.95 * len(runs))]:.1f} s")
EOF
