#!/usr/bin/env bash
# Benchmark (not a test): the cost of dirty tracking. In one run, dtfs with
# the tracer and the dirty log on against dtfs with both off, on sequential
# writes through a shared mapping (fio mmap) and through write() (fio
# psync), 1 MiB and 4 KiB; medians of RUNS interleaved runs and the ratio
# on/off, with the tracer's ring records (a run of adjacent pages is one),
# the daemon's CPU per record and the dirty log's bytes per record.
#
# STEPS=1 adds the cost of each step of the tracer's pipeline on the row
# that makes the most events (mmap 4 KiB): every configuration of
# DTFS_TRACER_TUNE from "as before" (user-space classification of 32-frame
# stacks, no coalescing, a wakeup per record) to the default (the last three
# steps: write faults classified without their stacks, by page_fault_user
# marks, then by the task's in_user_fault bit; then runs of adjacent pages
# written as one record by the kernel), one step at a time.
#
#   tests/bench/bench-tracer.sh BUILDDIR
#   env: RUNS=7 RUNTIME=8 SIZE=256M ROWS="mmap-1m mmap-4k write-1m write-4k"
#        STEPS=0
# (7 runs of 8 s: on this 2-vCPU VM a row's runs spread by 20%, and
# shorter, fewer runs moved a median by more than the cost measured)
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
RUNS=${RUNS:-7}
RUNTIME=${RUNTIME:-8}
SIZE=${SIZE:-256M}
ROWS=${ROWS:-mmap-1m mmap-4k write-1m write-4k}
STEPS=${STEPS:-0}
[ "$(id -u)" = 0 ] || { echo "bench-tracer: needs root (BPF)" >&2; exit 1; }
command -v fio >/dev/null || { echo "bench-tracer: needs fio" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench-tracer: needs python3" >&2; exit 1; }
W=$(mktemp -d /var/tmp/dtfs-bench-tracer.XXXXXX)
cleanup() {
	mountpoint -q "$W/mnt" 2>/dev/null && fusermount3 -uz "$W/mnt"
	sleep 0.5
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/mnt"
TCK=$(getconf CLK_TCK)

# The BPF programs' own run time (kernel.bpf_stats_enabled) only for the
# steps: counting it costs two clock reads on every run of every program,
# for every page-cache event on the machine, and would be charged to "on".
# Restored after.
BPFSTATS=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo 0)
echo 0 >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null || true
trap 'echo "$BPFSTATS" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null; cleanup' EXIT

# run MODE ROW [TUNE] -> "figure events cpu_ms log_bytes records bpf_ns
#   drain_ns/record model_events/record wakeups/1k-records" on stdout
run() {
	local mode=$1 row=$2 tune=${3:-} opts args pid stat ev cpu
	case $mode in
	on) opts="tracer=on" ;;
	off) opts="tracer=off,dirty_log=off" ;;
	esac
	case $row in
	mmap-1m) args="--ioengine=mmap --rw=write --bs=1M" ;;
	mmap-4k) args="--ioengine=mmap --rw=write --bs=4k" ;;
	write-1m) args="--ioengine=psync --rw=write --bs=1M" ;;
	write-4k) args="--ioengine=psync --rw=write --bs=4k" ;;
	esac
	rm -rf "$W/store"
	DTFS_TRACER_TUNE=$tune "$B/dtfs" "$W/store" "$W/mnt" -o "$opts"
	pid=$(pgrep -f "^$B/dtfs $W/store " | head -1)
	# shellcheck disable=SC2086
	fio --name=t --directory="$W/mnt" --filename=f --size="$SIZE" \
		--runtime="$RUNTIME" --time_based --output-format=json $args \
		>"$W/fio.json" 2>/dev/null
	"$B/dtfsctl" status "$W/mnt" >"$W/status"
	ev=$(sed -n 's/^events: [0-9]* (kernel records \([0-9]*\).*/\1/p' "$W/status")
	local cost bns
	cost=$(sed -n 's/^tracer cost: \([0-9.]*\) ms CPU draining, \([0-9]*\) wakeups, \([0-9]*\) events.*/\1 \2 \3/p' "$W/status")
	bns=$(sed -n 's/^tracer in the kernel: [0-9]* dirtyings, \([0-9]*\) ns each/\1/p' "$W/status")
	stat=$(cut -d' ' -f14,15 "/proc/$pid/stat")
	cpu=$(echo "$stat" | awk -v t="$TCK" '{printf "%.0f", ($1 + $2) * 1000 / t}')
	fusermount3 -u "$W/mnt"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	local lb=0 nrec=0
	if [ "$mode" = on ]; then
		lb=$(stat -c %s "$W/store/dirty.log")
		nrec=$("$B/dtfs-log" stats "$W/store/dirty.log" | head -1 |
			sed -n 's/^[^:]*: \([0-9]*\) records.*/\1/p')
	fi
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]["write"]
print("%.0f" % (j["bw"] / 1024.0 if sys.argv[2].endswith("1m") else j["iops"]))
' "$W/fio.json" "$row" | tr '\n' ' '
	echo "${ev:-0} $cpu $lb ${nrec:-0} ${bns:-0}" "$(echo "${cost:-0 0 0}" |
		awk -v ev="${ev:-0}" '{ if (ev) printf "%.0f %.3f %.1f", $1 * 1e6 / ev, $3 / ev, $2 * 1000 / ev; else print "0 0 0" }')"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { awk -v c="$1" '{print $c}' "$2" | median; }

echo "dtfs tracer benchmark: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs=$RUNS runtime=${RUNTIME}s size=$SIZE (medians; on = tracer + dirty log, off = neither)"
printf '%-9s %-5s %9s %9s %7s %10s %9s %9s\n' row unit on off on/off records/s "us/record" "B/logrec"
for row in $ROWS; do
	: >"$W/on" && : >"$W/off"
	for _ in $(seq "$RUNS"); do # interleaved, so drift hits both alike
		run on "$row" >>"$W/on"
		run off "$row" >>"$W/off"
	done
	mon=$(col 1 "$W/on") moff=$(col 1 "$W/off")
	ev=$(col 2 "$W/on") con=$(col 3 "$W/on") coff=$(col 3 "$W/off")
	lb=$(col 4 "$W/on") nrec=$(col 5 "$W/on")
	sed "s/^/  $row on: /" "$W/on" >&2
	sed "s/^/  $row off: /" "$W/off" >&2
	awk -v r="$row" -v a="$mon" -v b="$moff" -v ev="$ev" -v con="$con" \
		-v coff="$coff" -v t="$RUNTIME" -v lb="$lb" -v n="$nrec" 'BEGIN {
		unit = r ~ /1m$/ ? "MB/s" : "IOPS"
		# daemon CPU the tracking added, per ring record (on and off
		# moved different amounts of data: scale off to on)
		extra = con - (b ? coff * a / b : coff)
		printf "%-9s %-5s %9.0f %9.0f %7.2f %10.0f %9.2f %9.1f\n", r, unit,
			a, b, b ? a / b : 0, ev / t, ev ? extra * 1000 / ev : 0,
			n ? lb / n : 0 }'
done
echo "target: on/off >= 0.90"
[ "$STEPS" = 1 ] || exit 0
echo 1 >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null || true

# The steps, on mmap 4 KiB: each line adds one step to the one above. The
# costs are measured directly: the BPF program's ns per dirtying
# (bpf_stats), dtfs's CPU ns per ring record spent draining into the model
# and the log, model events per record (coalescing), reader wakeups per
# 1000 records; and the throughput ratio against off in the same run.
echo
echo "steps of the tracer pipeline (mmap-4k; medians of $RUNS; off measured alongside;"
echo "bpf_stats on, so these ratios also carry the cost of counting)"
printf '%-56s %7s %7s %8s %8s %8s\n' configuration on/off "bpf ns" "drain ns" "ev/rec" "wake/1k"
for tune in "classify=user,depth=32,coalesce=0,runs=0,wake=0" \
	"classify=kernel,depth=32,fault=0,coalesce=0,runs=0,wake=0" \
	"classify=kernel,depth=10,fault=0,coalesce=0,runs=0,wake=0" \
	"classify=kernel,depth=10,fault=0,coalesce=1,runs=0,wake=0" \
	"classify=kernel,depth=10,fault=0,coalesce=1,runs=0,wake=262144" \
	"classify=kernel,depth=10,fault=2,coalesce=1,runs=0,wake=262144" \
	"classify=kernel,depth=10,fault=1,coalesce=1,runs=0,wake=262144" \
	"classify=kernel,depth=10,fault=1,coalesce=1,runs=1,wake=262144"; do
	: >"$W/on" && : >"$W/off"
	for _ in $(seq "$RUNS"); do
		run on mmap-4k "$tune" >>"$W/on"
		run off mmap-4k >>"$W/off"
	done
	mon=$(col 1 "$W/on") moff=$(col 1 "$W/off")
	sed "s/^/  $tune on: /" "$W/on" >&2
	awk -v c="$tune" -v a="$mon" -v b="$moff" -v bns="$(col 6 "$W/on")" \
		-v dns="$(col 7 "$W/on")" -v epr="$(col 8 "$W/on")" \
		-v wk="$(col 9 "$W/on")" 'BEGIN {
		printf "%-56s %7.2f %7.0f %8.0f %8.3f %8.1f\n", c, b ? a / b : 0,
			bns, dns, epr, wk }'
done
