#!/usr/bin/env bash
# make powerfail: the fsync promise checked by replaying the store's writes.
#
#   tests/powerfail/powerfail.sh BUILDDIR [--kernel 6.1] [--fs "ext4 xfs"]
#       [--ops N] [--points N] [--seed S] [--out DIR] [--selftest-only]
#
# Boots Debian's kernel under dtfs-vm (dm-log-writes is a module there, not
# in every host kernel) and runs tests/powerfail/guest.sh for each host
# filesystem, in parallel: the dtfs store on that filesystem on a
# dm-log-writes device, pf-work's journaled workload (--ops, default 150),
# then the log replayed to each of --points replay points (default 110 per
# filesystem) and checked there. Then the harness's own test: a workload
# whose fsync does not sync the data file (DTFS_FAULT=fsync-skip-data) must
# fail by that fsync's mark (at its own WAL flush, or at the mark), and at
# no point before the previous sync's mark.
#
# Prints a line per filesystem and "powerfail: P replay points, S fsyncs
# verified, F failures, T s"; failures name the point, the operation and
# what was found, and keep the replayed image in DIR (default
# /var/tmp/dtfs-powerfail). Exit 0 when every point passed and the
# harness's test failed where it must.
set -u
B=$(cd "${1:?usage: powerfail.sh BUILDDIR [options]}" 2>/dev/null && pwd) ||
	{ echo "powerfail: no build directory $1" >&2; exit 2; }
shift
here=$(cd "$(dirname "$0")" && pwd)
VM=$here/../../tools/vm/dtfs-vm
kernel=6.1 fslist="ext4 xfs" ops=150 points=110 seed=1 out=/var/tmp/dtfs-powerfail
selftest_only=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--fs) fslist=$2; shift 2 ;;
	--ops) ops=$2; shift 2 ;;
	--points) points=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--selftest-only) selftest_only=1; shift ;;
	*) echo "powerfail: unknown option '$1'" >&2; exit 2 ;;
	esac
done
for p in dtfs dtfs-fsck pf-work pf-replay; do
	[ -x "$B/$p" ] || { echo "powerfail: not built: $B/$p (make build)" >&2; exit 2; }
done
mkdir -p "$out" && out=$(readlink -f "$out") || exit 2
rm -f "$out"/failed-*.img "$out"/replay-*.out "$out"/journal-*

# In the guest: the filesystems in parallel, each line as it comes.
if [ -n "${PF_GUEST:-}" ]; then
	pids=()
	for fs in $fslist; do
		# stderr: progress lines, on the console as they come
		"$here/guest.sh" "$B" "$fs" "$out" --ops "$ops" --seed "$seed" \
			--max-points "$points" >"$out/guest-$fs.log" &
		pids+=($!)
	done
	rc=0
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	for fs in $fslist; do
		grep -E '^(FAIL|powerfail|pf-replay)' "$out/guest-$fs.log"
	done
	exit $rc
fi

start=$(date +%s)
status=0
total_points=0 total_fsyncs=0 total_fail=0
if [ "$selftest_only" = 0 ]; then
	"$VM" --kernel "$kernel" --mem 4096 --timeout 3600 --out "$out" --env PF_GUEST=1 -- \
		"$0" "$B" --fs "$fslist" --ops "$ops" --points "$points" --seed "$seed" --out "$out" |
		tee "$out/run.log"
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
	for fs in $fslist; do
		line=$(grep -E "^powerfail $fs: [0-9]+ replay points" "$out/run.log" | tail -1)
		if [ -z "$line" ]; then
			echo "powerfail: no result for $fs (see $out/guest-$fs.log)"
			status=1
			continue
		fi
		# shellcheck disable=SC2046 # three numbers, split on purpose
		set -- $(echo "$line" | grep -oE '[0-9]+ (replay points|fsyncs verified|failures)' | grep -oE '^[0-9]+')
		total_points=$((total_points + $1))
		total_fsyncs=$((total_fsyncs + $2))
		total_fail=$((total_fail + $3))
	done
fi

# The harness's own test: the daemon's DTFS_FAULT=fsync-skip-data (its
# syncs skip the data file's fdatasync, the WAL is still synced) must fail
# by the mark of the first fsync/fdatasync that covers a write, and at no
# point before the previous sync's mark. The operations depend on the seed alone, so a run of
# pf-work here says which sync that is. Periodic writeback is off in that
# guest, so no data block reaches the disk by chance before the mark.
st=$out/selftest
mkdir -p "$st" && rm -rf "${st:?}"/*
if ! grep -q 'fsync-skip-data' "$B/dtfs" 2>/dev/null; then
	echo "powerfail selftest: SKIP: this dtfs has no DTFS_FAULT=fsync-skip-data"
else
	"$B/pf-work" run "$st" "$st/journal.host" --ops 20 --seed "$seed" >/dev/null &&
		rm -f "$st"/f[0-7] || { echo "powerfail selftest: pf-work run failed"; exit 1; }
	k=$(awk '$2 == "write" { w = 1 } ($2 == "fsync" || $2 == "fdatasync") && w { print $4; exit }' "$st/journal.host")
	# The first failing point must come after the previous sync's mark
	# (nothing before the faulty sync is wrong) and at the latest at its
	# own mark; it may come earlier, at the flush of its journal write,
	# which is on the disk before the sync returns.
	prev=$([ "$k" -gt 0 ] && echo "pf-sync-$((k - 1))" || echo none)
	echo "powerfail selftest: DTFS_FAULT=fsync-skip-data must fail after mark $prev, at the latest at the mark of sync $k"
	"$VM" -q --kernel "$kernel" --mem 3072 --timeout 1200 --out "$st" \
		--env DTFS_FAULT=fsync-skip-data --env PF_HOLD_WRITEBACK=1 -- \
		"$here/guest.sh" "$B" ext4 "$st" --ops 20 --seed "$seed" --until-mark "pf-sync-$k" \
		>"$st/run.log" 2>&1
	r=$st/replay-ext4.out
	first=$(grep -m1 -E '^FAIL ext4 entry' "$r" 2>/dev/null)
	if [ -z "$first" ]; then
		echo "powerfail selftest: FAIL: no replay point failed (the harness missed the lost data; $st/run.log)"
		status=1
	elif ! echo "$first" | grep -qE "mark ($prev|pf-sync-$k): "; then
		echo "powerfail selftest: FAIL: the first failure is not after mark $prev and by mark pf-sync-$k: $first"
		status=1
	else
		okbefore=$(grep -cE '^ok ext4 ' "$r")
		echo "powerfail selftest: ok: $okbefore points passed, then the first failure after mark $prev, by mark pf-sync-$k:"
		echo "  $first"
	fi
fi

if [ "$selftest_only" = 0 ]; then
	[ "$total_fail" = 0 ] || status=1
	echo "powerfail: $total_points replay points, $total_fsyncs fsyncs verified, $total_fail failures, $(($(date +%s) - start)) s"
fi
exit $status
