#!/usr/bin/env bash
# Benchmark (not a test): dtfs against, in the same run, a null FUSE
# filesystem (the FUSE round-trip ceiling), bindfs --multithreaded over the
# same disk, and the disk itself. Every row is measured RUNS times, each
# time on every peer one after the other (so that a busy moment of the
# machine hits all peers alike); it prints each peer's median, the median
# of the per-run ratios dtfs/null and dtfs/bindfs, and the targets of the
# store issue (dtfs/null >= 0.5 and dtfs >= bindfs on every row). A fifth
# peer, nullx, is the null filesystem answering GETXATTR (ENODATA) as a
# filesystem with extended attributes must: the kernel then asks it for
# security.capability before every write, as it asks bindfs, and dtfs
# with DTFS_KILLPRIV_V2=0 (see tests/nullfs.c; tests/bench/bench-killpriv.sh
# measures dtfs both ways); dtfs/nullx is printed for information. Then the
# wall time of one fsx run (mmap on, fixed seed) on dtfs, bindfs and the
# disk when FSX names an fsx binary.
#
#   tests/bench/bench.sh BUILDDIR   env: RUNS=3 RUNTIME=5 SIZE=1G NFILES=10000
#                                        ROWS="seqw seqr rr1 rr4 rw1 rw4
#                                              create stat unlink"
#                                        DTFS_OPTS="-o tracer=off" (dtfs's)
#                                        DROP=reads|all (cold caches for)
#                                        FSX=/path/to/fsx FSX_OPS=100000
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
RUNS=${RUNS:-3}
RUNTIME=${RUNTIME:-5}
SIZE=${SIZE:-1G}
NFILES=${NFILES:-10000}
ROWS=${ROWS:-"seqw seqr rr1 rr4 rw1 rw4 create stat unlink"}
PEERS="dtfs null nullx bindfs disk"
[ "$(id -u)" = 0 ] || { echo "bench: needs root (mounts, drop_caches)" >&2; exit 1; }
for c in fio bindfs; do
	command -v $c >/dev/null || { echo "bench: $c missing (make deps)" >&2; exit 1; }
done
if [ -n "${FSX:-}" ] && [ ! -x "$FSX" ]; then
	echo "bench: FSX=$FSX is not executable" >&2
	exit 1
fi

W=$(mktemp -d /var/tmp/dtfs-bench.XXXXXX)
mkdir -p "$W/dtfs" "$W/null" "$W/nullx" "$W/bindfs" "$W/disk" "$W/bindsrc"
cleanup() {
	for m in dtfs null nullx bindfs; do
		mountpoint -q "$W/$m" 2>/dev/null && fusermount3 -uz "$W/$m"
	done
	sleep 0.5
	rm -rf "$W"
}
trap cleanup EXIT

# shellcheck disable=SC2086
"$B/dtfs" "$W/store" "$W/dtfs" ${DTFS_OPTS:-}
"$B/nullfs" "$W/null"
NULLFS_XATTR=1 "$B/nullfs" "$W/nullx"
bindfs --multithreaded "$W/bindsrc" "$W/bindfs"

drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# Which rows start with cold caches: by default the buffered reads, which
# must reach the daemon and not the kernel's page cache of the mount, and
# the O_DIRECT writes: bindfs passes O_DIRECT on to its source file, whose
# pages the read rows left in the host's cache, and such a write then
# costs it half its rate (12k against 24k IOPS here); dtfs writes its new
# blocks without reading. The O_DIRECT reads start warm instead (warm
# below): dropping the host's cache for them would measure the disk under
# dtfs's data file and bindfs's source file, not the filesystems. DROP=all
# drops before every row as the store issue's first figures did.
DROP=${DROP:-reads}
drop_for() {
	case $DROP,$1 in
	all,* | reads,seqr | reads,rw*) drop ;;
	esac
}

# The O_DIRECT read rows read the file under each peer's mount: for dtfs
# from its store's data file, for bindfs from its source file, both through
# the host's page cache, which the buffered-read row before them dropped.
# Those backing files are read once, outside the timing and not through the
# mounts (whose own page caches stay as they were), so that no peer's first
# run measures the disk under it (the disk peer's O_DIRECT bypasses that
# cache).
warm() {
	case $DROP,$2 in
	reads,rr*)
		case $1 in
		*/dtfs) cat "$W/store/data" >/dev/null ;;
		*/bindfs) cat "$W/bindsrc/benchfile" >/dev/null ;;
		esac
		;;
	esac
	return 0
}

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
	drop_for "$row"
	warm "$dir" "$row"
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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f\n", b ? a/b : 0}'; }

echo "dtfs benchmark: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%F %T') UTC"
echo "runs=$RUNS runtime=${RUNTIME}s size=$SIZE files=$NFILES drop=$DROP dtfs options: ${DTFS_OPTS:-(defaults)}"
# the file the read rows read: written once per peer, outside the timing
for peer in dtfs bindfs disk; do
	fio --name=prep --directory="$W/$peer" --filename=benchfile --size="$SIZE" \
		--rw=write --bs=1M --ioengine=psync >/dev/null 2>&1
done

declare -A R N B2 X
for row in $ROWS; do
	declare -A vals=()
	rn="" rb="" rx=""
	for _ in $(seq "$RUNS"); do
		declare -A one=()
		for peer in $PEERS; do
			case $row in
			create | stat | unlink) one[$peer]=$(meta_row "$W/$peer" "$row") ;;
			*) one[$peer]=$(fio_row "$W/$peer" "$row") ;;
			esac
			vals[$peer]="${vals[$peer]:-} ${one[$peer]}"
		done
		rn="$rn $(ratio "${one[dtfs]}" "${one[null]}")"
		rb="$rb $(ratio "${one[dtfs]}" "${one[bindfs]}")"
		rx="$rx $(ratio "${one[dtfs]}" "${one[nullx]}")"
	done
	for peer in $PEERS; do
		R[$peer,$row]=$(echo "${vals[$peer]}" | tr ' ' '\n' | grep . | median)
		echo "  $row $peer:${vals[$peer]} -> ${R[$peer,$row]}" >&2
	done
	N[$row]=$(echo "$rn" | tr ' ' '\n' | grep . | median)
	B2[$row]=$(echo "$rb" | tr ' ' '\n' | grep . | median)
	X[$row]=$(echo "$rx" | tr ' ' '\n' | grep . | median)
	echo "  $row dtfs/null:$rn  dtfs/bindfs:$rb" >&2
done

unit() {
	case $1 in
	seqw | seqr) echo "MB/s" ;;
	create | stat | unlink) echo "ops/s" ;;
	*) echo "IOPS" ;;
	esac
}
printf '\n%-8s %-6s %9s %9s %9s %9s %9s %9s %11s %10s  %s\n' row unit dtfs null nullx bindfs disk dtfs/null dtfs/bindfs dtfs/nullx verdict
for row in $ROWS; do
	verdict=$(awk -v rn="${N[$row]}" -v rb="${B2[$row]}" \
		'BEGIN{ if (rn >= 0.5 && rb >= 1.0) print "MET"; else print "MISSED (targets 0.5/1.0)" }')
	printf '%-8s %-6s %9s %9s %9s %9s %9s %9s %11s %10s  %s\n' "$row" "$(unit "$row")" \
		"${R[dtfs,$row]}" "${R[null,$row]}" "${R[nullx,$row]}" "${R[bindfs,$row]}" \
		"${R[disk,$row]}" "${N[$row]}" "${B2[$row]}" "${X[$row]}" "$verdict"
done
echo "(ratios are medians of the per-run ratios; peers were measured one after the other in each run)"

# fsx: what a long test campaign feels like (seconds, lower is better; the
# null filesystem keeps no data, so it has no fsx row)
if [ -z "${FSX:-}" ]; then
	echo "fsx      (skipped: FSX=/path/to/fsx not given)"
	exit 0
fi
fsx_time() {
	local dir=$1 t0 t1
	rm -f "$dir/fsx.file"
	t0=$(date +%s%N)
	"$FSX" -q -N "${FSX_OPS:-100000}" -S 7 -C -I -J -B -0 "$dir/fsx.file" >"$W/fsx.out" 2>&1 ||
		{ echo "bench: fsx failed on $dir: $(tail -3 "$W/fsx.out")" >&2; echo 0; return; }
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f\n", (b - a) / 1e9}'
}
declare -A F FV
for _ in $(seq "$RUNS"); do
	for peer in dtfs bindfs disk; do
		FV[$peer]="${FV[$peer]:-} $(fsx_time "$W/$peer")"
	done
done
for peer in dtfs bindfs disk; do
	F[$peer]=$(echo "${FV[$peer]}" | tr ' ' '\n' | grep . | median)
	echo "  fsx $peer:${FV[$peer]} -> ${F[$peer]}" >&2
done
printf '%-8s %-6s %9s %9s %9s %9s %9s %9s %11s\n' fsx s "${F[dtfs]}" - - "${F[bindfs]}" "${F[disk]}" - \
	"$(ratio "${F[bindfs]}" "${F[dtfs]}")"
echo "(fsx row: seconds for -N ${FSX_OPS:-100000} ops, mmap on, seed 7; dtfs/bindfs is bindfs's time over dtfs's)"
