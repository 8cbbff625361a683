#!/usr/bin/env bash
# The power-fail test inside the VM (run by tests/powerfail/powerfail.sh
# through dtfs-vm; needs Debian's kernel: dm-log-writes is a module there).
#
#   guest.sh BUILDDIR FSTYPE OUTDIR [--ops N] [--seed S] [--max-points N]
#            [--skip-sync K] [--until-mark TEXT]
#   guest.sh point   (run by pf-replay at each replay point; the settings
#                     come through the environment)
#
# 1. Record: a loop device on a sparse image, a dm-log-writes device over
#    it logging to a second loop device; mkfs FSTYPE (ext4 or xfs) on it,
#    mount, a dtfs store on it (write-through, tracer off), `sync` and the
#    mark pf-start; then pf-work's journaled workload, which marks the log
#    after each sync call (pf-sync-K); unmount everything.
# 2. Choose the replay points: every flush and FUA entry and every pf-sync
#    mark after pf-start, and the last entry; at most --max-points of them
#    (evenly spread, the last always kept). --until-mark: every point up to
#    that mark's entry, none after (the harness's own test).
# 3. Replay the log onto a fresh zeroed image with pf-replay; at each point
#    a copy of the image is checked: mounted (the kernel's log recovery);
#    dtfs-fsck of the store clean; dtfs mounts it; pf-work check: every
#    operation covered by a sync whose mark is in the replayed part is
#    there with its data; unmounted, the host filesystem's own check
#    (e2fsck -fn, xfs_repair -n) clean.
# A failing point prints FAIL lines naming the point (fs, entry, mark), the
# operation and what was found, and keeps the replayed image in OUTDIR.
# Last line: "powerfail FSTYPE: P replay points, S fsyncs verified, F
# failures, O operations, T s".
set -u

if [ "${1:-}" = point ]; then
	# One replay point: $PF_ENTRY, $PF_MARK, $PF_TARGET from pf-replay;
	# the rest exported by the recording run below.
	label="$FSTYPE entry $PF_ENTRY mark ${PF_MARK:-none}"
	C=$W/check
	failed=""
	t0=$(date +%s%N)
	lap() { [ -n "${PF_TIMING:-}" ] && echo "  $(( ($(date +%s%N) - t0) / 1000000 )) ms $*"; true; }
	fail() {
		echo "FAIL $label: $*"
		failed=1
	}
	# A reflink copy: instant, and the check's writes (log recovery,
	# RocksDB's) leave the replayed image as it is.
	cp --reflink=always "$PF_TARGET" "$C.img" || { echo "FAIL $label: cp --reflink"; exit 1; }
	L=$(losetup -f --show "$C.img") || { echo "FAIL $label: losetup"; exit 1; }
	mkdir -p "$C.host" "$C.mnt"
	lap cp+losetup
	# Mount first (the kernel's log recovery), use, unmount, then the
	# host filesystem's own check, which needs a clean log.
	if mount -t "$FSTYPE" "$L" "$C.host" 2>"$C.mount"; then
		lap mount
		"$B/dtfs-fsck" "$C.host/store" >"$C.dfsck" 2>&1 ||
			fail "dtfs-fsck exit $?: $(head -3 "$C.dfsck" | tr '\n' ' ')"
		lap dtfs-fsck
		if "$B/dtfs" "$C.host/store" "$C.mnt" -o tracer=off,dirty_log=off 2>"$C.dtfs"; then
			lap dtfs-mount
			"$B/pf-work" check "$C.mnt" "$W/journal" --mark "$PF_MARK" --point "$label" >"$C.out" 2>&1 ||
				failed=1
			grep -E '^(FAIL|pf-work)' "$C.out"
			lap check
			# What the daemon does at shutdown is not under test here:
			# a lazy unmount and kill -9 take 1 s less per point.
			pid=$(pgrep -f "^$B/dtfs $C.host/store ")
			fusermount3 -uz "$C.mnt"
			[ -n "$pid" ] && kill -9 $pid
			for _ in $(seq 100); do
				kill -0 $pid 2>/dev/null || break
				sleep 0.05
			done
		else
			fail "dtfs cannot mount the store: $(tail -1 "$C.dtfs")"
		fi
		umount "$C.host" || fail "umount $FSTYPE"
		lap umount
		if [ "$FSTYPE" = ext4 ]; then
			e2fsck -fn "$L" >"$C.fsck" 2>&1 ||
				fail "e2fsck -fn: $(grep -vE '^(Pass|e2fsck|/dev)' "$C.fsck" | head -3 | tr '\n' ' ')"
		else
			xfs_repair -n "$L" >"$C.fsck" 2>&1 ||
				fail "xfs_repair -n: $(grep -iE 'error|corrupt|bad' "$C.fsck" | head -3 | tr '\n' ' ')"
		fi
		lap fsck
	else
		fail "mount $FSTYPE (log recovery): $(tail -1 "$C.mount")"
	fi
	losetup -d "$L"
	rm -f "$C.img"
	lap finished
	if [ -n "$failed" ]; then
		keep=$OUT/failed-$FSTYPE-entry$PF_ENTRY.img
		cp --sparse=always "$PF_TARGET" "$keep" && echo "FAIL $label: the replayed image is kept: $keep"
		exit 1
	fi
	echo "ok $label $(grep -o '[0-9]* syncs, [0-9]* operations covered' "$C.out")"
	exit 0
fi

B=$(cd "${1:?usage: guest.sh BUILDDIR FSTYPE OUTDIR [options]}" && pwd) || exit 2
FSTYPE=${2:?FSTYPE}
OUT=${3:?OUTDIR}
shift 3
ops=150 seed=1 maxpoints=150 skip="" until=""
while [ $# -gt 0 ]; do
	case "$1" in
	--ops) ops=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--max-points) maxpoints=$2; shift 2 ;;
	--skip-sync) skip=$2; shift 2 ;;
	--until-mark) until=$2; shift 2 ;;
	*) echo "guest.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
# shellcheck disable=SC2054 # commas inside mkfs options
case "$FSTYPE" in
ext4) size=256M mkfs=(mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=0,lazy_journal_init=0) ;;
xfs) size=320M mkfs=(mkfs.xfs -q -f -K) ;;
*) echo "guest.sh: FSTYPE must be ext4 or xfs" >&2; exit 2 ;;
esac
start=$(date +%s)
W=$(mktemp -d "/tmp/pf-$FSTYPE.XXXXXX")
# The images live in memory, on an xfs (on a loop device over a tmpfs
# file) so that each point's copy is a reflink.
mkdir -p "$W.t" && mount -t tmpfs -o size=3G tmpfs "$W.t" && truncate -s 3G "$W.t/fs" &&
	mkfs.xfs -q -m reflink=1 "$W.t/fs" && mount -o loop "$W.t/fs" "$W" || {
	echo "FAIL powerfail $FSTYPE: cannot make the work filesystem in $W"
	exit 1
}
export B FSTYPE OUT W
dm=pf-$FSTYPE-$$
LD="" LL=""
cleanup() {
	mountpoint -q "$W/mnt" 2>/dev/null && fusermount3 -uz "$W/mnt"
	mountpoint -q "$W/host" 2>/dev/null && umount -l "$W/host"
	dmsetup remove "$dm" 2>/dev/null
	[ -n "$LD" ] && losetup -d "$LD" 2>/dev/null
	[ -n "$LL" ] && losetup -d "$LL" 2>/dev/null
	umount "$W" && umount "$W.t" && rmdir "$W" "$W.t"
}
trap cleanup EXIT
die() {
	echo "FAIL powerfail $FSTYPE: $*"
	exit 1
}

# --- 1. record -----------------------------------------------------------
# The harness's own test: no periodic writeback, so only syncs write data.
if [ -n "${PF_HOLD_WRITEBACK:-}" ]; then
	sysctl -qw vm.dirty_writeback_centisecs=0 vm.dirty_expire_centisecs=360000 ||
		die "sysctl vm.dirty_*"
fi
truncate -s "$size" "$W/data.img" && truncate -s 2G "$W/log.img" || die "images in $W"
LD=$(losetup -f --show "$W/data.img") && LL=$(losetup -f --show "$W/log.img") || die "losetup"
dmsetup create "$dm" --table "0 $(blockdev --getsz "$LD") log-writes $LD $LL" ||
	die "dmsetup create log-writes (modprobe dm-log-writes: $(modprobe -n -v dm-log-writes 2>&1 | tail -1))"
dev=/dev/mapper/$dm
[ -b "$dev" ] || dmsetup mknodes "$dm"
"${mkfs[@]}" "$dev" >/dev/null || die "${mkfs[*]} $dev"
mkdir -p "$W/host" "$W/mnt"
mount -t "$FSTYPE" "$dev" "$W/host" || die "mount $FSTYPE"
"$B/dtfs" "$W/host/store" "$W/mnt" -o tracer=off,dirty_log=off || die "dtfs mount"
sync && dmsetup message "$dm" 0 mark pf-start || die "mark pf-start"
wopts=(--ops "$ops" --seed "$seed" --mark "$dm")
[ -n "$skip" ] && wopts+=(--skip-sync "$skip")
"$B/pf-work" run "$W/mnt" "$W/journal" "${wopts[@]}" || die "pf-work run exit $?"
fusermount3 -u "$W/mnt"
for _ in $(seq 100); do
	pgrep -f "^$B/dtfs $W/host/store " >/dev/null || break
	sleep 0.1
done
umount "$W/host" || die "umount $FSTYPE"
dmsetup remove "$dm" || die "dmsetup remove"
losetup -d "$LD" && LD=""
losetup -d "$LL" && LL=""
rec=$(($(date +%s) - start))

# --- 2. points -----------------------------------------------------------
"$B/pf-replay" --list "$W/log.img" >"$W/entries" || die "pf-replay --list"
summary=$(tail -1 "$W/entries")
awk '
	$5 == "pf-start" { started = 1; print $1; next }
	!started { next }
	/^#/ { next }
	$2 ~ /FLUSH|FUA/ || $5 ~ /^pf-sync-/ { print $1 }
	{ last = $1 }
	END { if (last != "") print last }
' "$W/entries" | sort -n -u >"$W/all-points"
grep -q . "$W/all-points" || die "no pf-start mark in the log"
if [ -n "$until" ]; then
	e=$(awk -v m="$until" '$5 == m { print $1; exit }' "$W/entries")
	[ -n "$e" ] || die "no mark $until in the log"
	awk -v e="$e" '$1 <= e' "$W/all-points" >"$W/p" && mv "$W/p" "$W/all-points"
	maxpoints=1000000
fi
n=$(wc -l <"$W/all-points")
if [ "$n" -gt "$maxpoints" ]; then
	awk -v n="$n" -v m="$maxpoints" 'NR == n || int((NR - 1) * m / n) != int(NR * m / n) { print }' \
		"$W/all-points" >"$W/points"
else
	cp "$W/all-points" "$W/points"
fi
np=$(wc -l <"$W/points")
echo "powerfail $FSTYPE: recorded in $rec s: $(grep -c . "$W/journal") journal lines; log ${summary#\# }; $np of $n points"

# --- 3. replay -----------------------------------------------------------
truncate -s "$size" "$W/target.img"
"$B/pf-replay" "$W/log.img" "$W/target.img" --at "$W/points" \
	--exec "bash $(readlink -f "$0") point" --marks pf-sync- \
	2> >(sed -u "s/^pf-replay:/powerfail $FSTYPE:/" >&2) >"$W/replay.out"
grep -E "^FAIL|^pf-replay|^  [0-9]+ ms" "$W/replay.out"
points=$(grep -oE '^pf-replay: [0-9]+ points' "$W/replay.out" | grep -oE '[0-9]+' | head -1)
failures=$(grep -oE 'points, [0-9]+ failed' "$W/replay.out" | grep -oE '[0-9]+' | head -1)
cp "$W/replay.out" "$OUT/replay-$FSTYPE.out" 2>/dev/null
cp "$W/journal" "$OUT/journal-$FSTYPE" 2>/dev/null
# fsyncs verified: the fsync/fdatasync calls whose mark was replayed and
# checked at one point at least (the highest mark checked covers all below).
maxk=$(grep -oE '^ok .* mark pf-sync-[0-9]+' "$W/replay.out" | grep -oE '[0-9]+$' | sort -n | tail -1)
fsyncs=0
[ -n "$maxk" ] && fsyncs=$(awk -v k="$maxk" '($2 == "fsync" || $2 == "fdatasync") && $4 <= k' "$W/journal" | wc -l)
echo "powerfail $FSTYPE: ${points:-0} replay points, $fsyncs fsyncs verified, ${failures:-?} failures, $ops operations, $(($(date +%s) - start)) s"
[ "${failures:-1}" = 0 ] && [ "${points:-0}" -gt 0 ]
