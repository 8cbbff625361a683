#!/usr/bin/env bash
# Benchmark (not a test): the cost of dirty tracking. In one run, dtfs with
# the tracer and the dirty log on (the default) against dtfs with both off,
# on fio mmap sequential write and psync 4 KiB random write; medians of
# RUNS runs, the ratio, and the dirty log's bytes per event.
#
#   tests/bench/bench-tracer.sh BUILDDIR     env: RUNS=5 RUNTIME=5 SIZE=256M
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
RUNS=${RUNS:-5}
RUNTIME=${RUNTIME:-5}
SIZE=${SIZE:-256M}
[ "$(id -u)" = 0 ] || { echo "bench-tracer: needs root (BPF)" >&2; exit 1; }
W=$(mktemp -d /var/tmp/dtfs-bench-tracer.XXXXXX)
cleanup() {
	mountpoint -q "$W/mnt" 2>/dev/null && fusermount3 -uz "$W/mnt"
	sleep 0.5
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/mnt"

run_mode() { # mode row -> one figure
	local mode=$1 row=$2 opts args field pid
	case $mode in
	on) opts="tracer=on" ;;
	off) opts="tracer=off,dirty_log=off" ;;
	esac
	case $row in
	mmapw) args="--ioengine=mmap --rw=write --bs=1M" field=48 ;;
	randw) args="--ioengine=psync --rw=randwrite --bs=4k" field=49 ;;
	esac
	rm -rf "$W/store"
	"$B/dtfs" "$W/store" "$W/mnt" -o "$opts"
	# shellcheck disable=SC2086
	v=$(fio --name=t --directory="$W/mnt" --filename=f --size="$SIZE" \
		--runtime="$RUNTIME" --time_based --output-format=terse $args 2>/dev/null |
		awk -F';' -v f=$field -v r=$row '{v=$f; if (r=="mmapw") v=v/1024; printf "%.0f", v}')
	pid=$(pgrep -f "^$B/dtfs $W/store " | head -1 || true)
	fusermount3 -u "$W/mnt"
	while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	if [ "$mode" = on ]; then
		"$B/dtfs-log" stats "$W/store/dirty.log" | head -1 |
			sed -n 's/.*, \([0-9.]*\) bytes\/record.*/\1/p' > "$W/bpe"
		"$B/dtfs-log" stats "$W/store/dirty.log" | head -1 |
			sed -n 's/^[^:]*: \([0-9]*\) records.*/\1/p' > "$W/nrec"
	fi
	echo "$v"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "dtfs tracer benchmark: $(uname -r), $(nproc) CPUs; runs=$RUNS runtime=${RUNTIME}s size=$SIZE"
printf '%-8s %-6s %10s %10s %8s %s\n' row unit on off on/off "log bytes/event (events)"
for row in mmapw randw; do
	on="" off=""
	for _ in $(seq "$RUNS"); do # interleaved, so drift hits both alike
		on="$on $(run_mode on $row)"
		off="$off $(run_mode off $row)"
	done
	mon=$(echo "$on" | tr ' ' '\n' | grep . | median)
	moff=$(echo "$off" | tr ' ' '\n' | grep . | median)
	echo "  $row on:$on off:$off" >&2
	printf '%-8s %-6s %10s %10s %8s %s (%s)\n' "$row" "$([ $row = mmapw ] && echo MB/s || echo IOPS)" \
		"$mon" "$moff" "$(awk -v a="$mon" -v b="$moff" 'BEGIN{printf "%.2f", b ? a/b : 0}')" \
		"$(cat "$W/bpe")" "$(cat "$W/nrec")"
done
echo "target: on/off >= 0.90"
