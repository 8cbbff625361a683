#!/usr/bin/env bash
# Benchmark (not a test): dtfs against, in the same run, a null FUSE
# filesystem (the FUSE round-trip ceiling), bindfs --multithreaded over the
# same disk, and the disk itself. Prints medians of RUNS runs and the ratios
# dtfs/null and dtfs/bindfs with the targets (dtfs/null >= 0.5 and
# dtfs >= bindfs on every row), then the wall time of one fsx run (mmap on,
# fixed seed) on dtfs, bindfs and the disk when FSX names an fsx binary.
#
#   tests/bench/bench.sh BUILDDIR   env: RUNS=3 RUNTIME=5 SIZE=1G NFILES=10000
#                                        ROWS="seqw seqr rr1 rr4 rw1 rw4
#                                              create stat unlink"
#                                        DTFS_OPTS="-o tracer=off" (dtfs's)
#                                        FSX=/path/to/fsx FSX_OPS=100000
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
RUNS=${RUNS:-3}
RUNTIME=${RUNTIME:-5}
SIZE=${SIZE:-1G}
NFILES=${NFILES:-10000}
ROWS=${ROWS:-"seqw seqr rr1 rr4 rw1 rw4 create stat unlink"}
[ "$(id -u)" = 0 ] || { echo "bench: needs root (mounts, drop_caches)" >&2; exit 1; }
for c in fio bindfs; do
	command -v $c >/dev/null || { echo "bench: $c missing (make deps)" >&2; exit 1; }
done

W=$(mktemp -d /var/tmp/dtfs-bench.XXXXXX)
mkdir -p "$W/dtfs" "$W/null" "$W/bindfs" "$W/disk" "$W/bindsrc"
cleanup() {
	for m in dtfs null bindfs; do
		mountpoint -q "$W/$m" 2>/dev/null && fusermount3 -uz "$W/$m"
	done
	sleep 0.5
	rm -rf "$W"
}
trap cleanup EXIT

mount_peer() {
	case $1 in
	# shellcheck disable=SC2086
	dtfs) "$B/dtfs" "$W/store" "$W/dtfs" ${DTFS_OPTS:-} ;;
	null) "$B/nullfs" "$W/null" ;;
	bindfs) bindfs --multithreaded "$W/bindsrc" "$W/bindfs" ;;
	disk) ;;
	esac
}

umount_peer() {
	[ "$1" = disk ] && return 0
	local pid=""
	[ "$1" = dtfs ] && pid=$(pgrep -f "^$B/dtfs $W/store " | head -1 || true)
	fusermount3 -u "$W/$1"
	while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# fio job for a row, prints one number (MB/s or IOPS)
fio_row() {
	local dir=$1 row=$2 args field
	case $row in
	seqw) args="--rw=write --bs=1M" field=48 ;;
	seqr) args="--rw=read --bs=1M" field=7 ;;
	rr1) args="--rw=randread --bs=4k --direct=1 --numjobs=1" field=8 ;;
	rr4) args="--rw=randread --bs=4k --direct=1 --numjobs=4" field=8 ;;
	rw1) args="--rw=randwrite --bs=4k --direct=1 --numjobs=1" field=49 ;;
	rw4) args="--rw=randwrite --bs=4k --direct=1 --numjobs=4" field=49 ;;
	esac
	drop
	# shellcheck disable=SC2086
	fio --name=b --directory="$dir" --filename=benchfile --size="$SIZE" \
		--ioengine=psync --runtime="$RUNTIME" --time_based \
		--group_reporting --output-format=terse $args 2>/dev/null |
		awk -F';' -v f=$field -v seq="${row:0:3}" \
			'{ v = $f; if (seq == "seq") v = v / 1024; printf "%.0f\n", v }'
}

meta_row() { # files m000000.. directly in the mount root (nullfs is flat)
	local dir=$1 phase=$2
	if [ "$phase" != create ]; then
		"$B/dt-bench-meta" create "$dir" "$NFILES" >/dev/null
		drop
		[ "$phase" = unlink ] && "$B/dt-bench-meta" stat "$dir" "$NFILES" >/dev/null
	fi
	"$B/dt-bench-meta" "$phase" "$dir" "$NFILES" | awk '{print $2}'
	if [ "$phase" != unlink ]; then
		"$B/dt-bench-meta" unlink "$dir" "$NFILES" >/dev/null
	fi
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A R
echo "dtfs benchmark: $(uname -r), $(nproc) CPUs, $(date -u '+%F %T') UTC; runs=$RUNS runtime=${RUNTIME}s size=$SIZE files=$NFILES"
for peer in dtfs null bindfs disk; do
	mount_peer $peer
	# the file the read rows read: written once, outside the timing
	if [ $peer != null ]; then
		fio --name=prep --directory="$W/$peer" --filename=benchfile --size="$SIZE" \
			--rw=write --bs=1M --ioengine=psync >/dev/null 2>&1
	fi
	for row in $ROWS; do
		vals=""
		for _ in $(seq "$RUNS"); do
			case $row in
			create | stat | unlink) v=$(meta_row "$W/$peer" "$row") ;;
			*) v=$(fio_row "$W/$peer" "$row") ;;
			esac
			vals="$vals $v"
		done
		R[$peer,$row]=$(echo "$vals" | tr ' ' '\n' | grep . | median)
		echo "  $peer $row:$vals -> ${R[$peer,$row]}" >&2
	done
	umount_peer $peer
done

unit() {
	case $1 in
	seqw | seqr) echo "MB/s" ;;
	create | stat | unlink) echo "ops/s" ;;
	*) echo "IOPS" ;;
	esac
}
target() { # dtfs/null target, dtfs/bindfs target
	echo "0.5 1.0"
}
printf '\n%-8s %-6s %10s %10s %10s %10s %10s %10s  %s\n' row unit dtfs null bindfs disk dtfs/null dtfs/bindfs verdict
for row in $ROWS; do
	read -r tn tb <<< "$(target "$row")"
	d=${R[dtfs,$row]} n=${R[null,$row]} bf=${R[bindfs,$row]} k=${R[disk,$row]}
	rn=$(awk -v a="$d" -v b="$n" 'BEGIN{printf "%.2f", b ? a/b : 0}')
	rb=$(awk -v a="$d" -v b="$bf" 'BEGIN{printf "%.2f", b ? a/b : 0}')
	verdict=$(awk -v rn="$rn" -v rb="$rb" -v tn="$tn" -v tb="$tb" \
		'BEGIN{ if (rn >= tn && rb >= tb) print "MET"; else printf "MISSED (targets %s/%s)", tn, tb }')
	printf '%-8s %-6s %10s %10s %10s %10s %10s %10s  %s\n' "$row" "$(unit $row)" "$d" "$n" "$bf" "$k" "$rn" "$rb" "$verdict"
done

# fsx: what a long test campaign feels like (seconds, lower is better; the
# null filesystem keeps no data, so it has no fsx row)
if [ -z "${FSX:-}" ]; then
	echo "fsx      (skipped: FSX=/path/to/fsx not given)"
	exit 0
fi
[ -x "$FSX" ] || { echo "bench: FSX=$FSX is not executable" >&2; exit 1; }
fsx_time() {
	local dir=$1 t0 t1
	rm -f "$dir/fsx.file"
	t0=$(date +%s%N)
	"$FSX" -q -N "${FSX_OPS:-100000}" -S 7 -C -I -J -B -0 "$dir/fsx.file" >"$W/fsx.out" 2>&1 ||
		{ echo "bench: fsx failed on $dir: $(tail -3 "$W/fsx.out")" >&2; echo 0; return; }
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f\n", (b - a) / 1e9}'
}
declare -A F
for peer in dtfs bindfs disk; do
	mount_peer $peer
	vals=""
	for _ in $(seq "$RUNS"); do
		vals="$vals $(fsx_time "$W/$peer")"
	done
	F[$peer]=$(echo "$vals" | tr ' ' '\n' | grep . | median)
	echo "  $peer fsx:$vals -> ${F[$peer]}" >&2
	umount_peer $peer
done
printf '%-8s %-6s %10s %10s %10s %10s %10s %10s\n' fsx s "${F[dtfs]}" - "${F[bindfs]}" "${F[disk]}" - \
	"$(awk -v a="${F[dtfs]}" -v b="${F[bindfs]}" 'BEGIN{printf "%.2f", a ? b/a : 0}')"
echo "(fsx row: seconds for -N ${FSX_OPS:-100000} ops, mmap on; dtfs/bindfs is bindfs's time over dtfs's)"
