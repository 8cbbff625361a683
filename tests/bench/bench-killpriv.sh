#!/usr/bin/env bash
# Benchmark (not a test): what FUSE_HANDLE_KILLPRIV_V2 is worth to the
# 4 KiB O_DIRECT random-write rows of bench.sh (rw1, rw4: 1 and 4 jobs on
# one file). Two dtfs mounts, DTFS_KILLPRIV_V2=1 and =0, measured in turn
# in each run (a busy moment of the shared machine hits both alike); per
# mode the median IOPS, the daemon's CPU time per write (utime+stime of
# the daemon over the run / writes done), and at the end the GETXATTR
# security.capability requests each daemon served (its log).
#
#   tests/bench/bench-killpriv.sh BUILDDIR   env: RUNS=3 RUNTIME=5 SIZE=1G
#                                                 DTFS_OPTS= (dtfs's)
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
RUNS=${RUNS:-3}
RUNTIME=${RUNTIME:-5}
SIZE=${SIZE:-1G}
[ "$(id -u)" = 0 ] || { echo "bench-killpriv: needs root" >&2; exit 1; }
command -v fio >/dev/null || { echo "bench-killpriv: fio missing (make deps)" >&2; exit 1; }

W=$(mktemp -d /var/tmp/dtfs-bench-kp.XXXXXX)
mkdir -p "$W/on" "$W/off"
cleanup() {
	for m in on off; do
		mountpoint -q "$W/$m" 2>/dev/null && fusermount3 -u "$W/$m"
	done
	sleep 1
	rm -rf "$W"
}
trap cleanup EXIT

# shellcheck disable=SC2086
DTFS_KILLPRIV_V2=1 "$B/dtfs" "$W/s-on" "$W/on" ${DTFS_OPTS:-}
# shellcheck disable=SC2086
DTFS_KILLPRIV_V2=0 "$B/dtfs" "$W/s-off" "$W/off" ${DTFS_OPTS:-}
pid_of() { pgrep -f "^$B/dtfs $W/s-$1 " | head -1; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

for m in on off; do
	fio --name=prep --directory="$W/$m" --filename=benchfile --size="$SIZE" \
		--rw=write --bs=1M --ioengine=psync >/dev/null 2>&1
done

echo "bench-killpriv: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%F %T') UTC"
echo "runs=$RUNS runtime=${RUNTIME}s size=$SIZE dtfs options: ${DTFS_OPTS:-(defaults)}"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A iops cpu
for row in rw1 rw4; do
	jobs=${row#rw}
	for _ in $(seq "$RUNS"); do
		for m in on off; do
			pid=$(pid_of $m)
			t0=$(ticks "$pid")
			# terse v3: field 49 write IOPS, 47 KiB written
			out=$(fio --name=b --directory="$W/$m" --filename=benchfile \
				--size="$SIZE" --ioengine=psync --runtime="$RUNTIME" \
				--time_based --group_reporting --output-format=terse \
				--rw=randwrite --bs=4k --direct=1 --numjobs="$jobs" \
				2>/dev/null)
			t1=$(ticks "$pid")
			v=$(echo "$out" | awk -F';' '{printf "%.0f", $49}')
			n=$(echo "$out" | awk -F';' '{printf "%.0f", $47 / 4}')
			us=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$n" \
				'BEGIN{printf "%.1f", n ? t / hz * 1e6 / n : 0}')
			iops[$row,$m]="${iops[$row,$m]:-} $v"
			cpu[$row,$m]="${cpu[$row,$m]:-} $us"
			echo "  $row killpriv_v2=$m: $v IOPS, daemon $us us CPU/write" >&2
		done
	done
done
printf '%-5s %-12s %10s %14s\n' row killpriv_v2 IOPS "us CPU/write"
for row in rw1 rw4; do
	for m in on off; do
		printf '%-5s %-12s %10s %14s\n' $row $m \
			"$(echo "${iops[$row,$m]}" | tr ' ' '\n' | grep . | median)" \
			"$(echo "${cpu[$row,$m]}" | tr ' ' '\n' | grep . | median)"
	done
done
for m in on off; do
	fusermount3 -u "$W/$m"
done
sleep 2
for m in on off; do
	echo "killpriv_v2=$m: $(grep -o 'GETXATTR requests.*' "$W/s-$m/dtfs.log" | tail -1)"
done
