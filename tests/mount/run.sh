#!/usr/bin/env bash
# Mount-level tests: tests/mount/run.sh BUILDDIR [t_name ...]
#
# Each t_NAME.sh runs in a fresh temp dir ($T) with lib.sh's fixture (a
# store and a mountpoint, mount_dtfs/umount_dtfs/fail/skip/...), under a
# per-test timeout (DTFS_TEST_TIMEOUT, default 300 s), and is cleaned up
# whatever happens (lazy unmount, leftover daemons of that test killed).
# Prints one line per test, "PASS t_name", "FAIL t_name: reason" or
# "SKIP t_name: reason", then "N passed, N failed, N skipped"; exits 1 if
# any test failed. Needs root and /dev/fuse; without them every test SKIPs.
# The full output and daemon log of a failed test are kept in
# DTFS_TEST_LOGS (default /tmp/dtfs-mount-logs).
set -u
B=$(cd "${1:?usage: run.sh BUILDDIR [t_name ...]}" 2>/dev/null && pwd) ||
	{ echo "run.sh: no build directory $1" >&2; exit 2; }
shift
here=$(cd "$(dirname "$0")" && pwd)
logs=${DTFS_TEST_LOGS:-/tmp/dtfs-mount-logs}
pass=0 failn=0 skip=0
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	tests=($(cd "$here" && ls t_*.sh | sed 's/\.sh$//'))
fi

why=""
[ "$(id -u)" = 0 ] || why="not root"
[ -z "$why" ] && [ ! -c /dev/fuse ] && why="no /dev/fuse"
[ -z "$why" ] && ! command -v fusermount3 >/dev/null && why="no fusermount3"
missing=""
for p in dtfs dtfs-fsck dt-mnt-helper; do
	[ -x "$B/$p" ] || missing="$missing $B/$p"
done

# Kill what a test left running: daemons serving a store under its $T.
reap() {
	local t=$1 pid
	for pid in $(pgrep -f -- "$t/" 2>/dev/null); do
		[ "$pid" = $$ ] || kill -9 "$pid" 2>/dev/null
	done
}

oneline() {
	# the last lines of a test's output, as one line
	tail -n "${2:-6}" "$1" | tr '\n' '|' | sed 's/|$//; s/|/ | /g'
}

for t in "${tests[@]}"; do
	t=${t%.sh}
	if [ -n "$why" ]; then
		echo "SKIP $t: $why"
		skip=$((skip + 1))
		continue
	fi
	if [ ! -f "$here/$t.sh" ]; then
		echo "FAIL $t: no such test $here/$t.sh"
		failn=$((failn + 1))
		continue
	fi
	if [ -n "$missing" ]; then
		echo "FAIL $t: not built:$missing"
		failn=$((failn + 1))
		continue
	fi
	T=$(mktemp -d /tmp/dtfs-mt.XXXXXX)
	start=$(date +%s)
	# timeout makes itself a process group leader: its pid names the group
	# of everything the test started, killed afterwards.
	B=$B T=$T HERE=$here timeout -k 10 "${DTFS_TEST_TIMEOUT:-300}" \
		bash -c 'set -eu; cd "$T"; source "$HERE/lib.sh"; source "$HERE/$0.sh"' \
		"$t" >"$T.out" 2>&1 </dev/null &
	tpid=$!
	wait $tpid
	rc=$?
	kill -9 -- -$tpid 2>/dev/null
	secs=$(($(date +%s) - start))
	# A sanitizer report in any daemon log of the test fails it (the
	# daemon logs to STORE/dtfs.log once daemonized).
	san=$(find "$T" -name dtfs.log -exec grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' {} + 2>/dev/null)
	if [ $rc -ne 77 ] && [ -n "$san" ]; then
		rc=1
		{
			echo "sanitizer report in $san:"
			grep -hE -A5 'Sanitizer|runtime error' $san | head -20
		} >>"$T.out"
	fi
	case $rc in
	0)
		echo "PASS $t"
		pass=$((pass + 1))
		;;
	77)
		echo "SKIP $t: $(oneline "$T.out" 1)"
		skip=$((skip + 1))
		;;
	*)
		[ $rc -eq 124 ] || [ $rc -eq 137 ] &&
			echo "timed out after ${secs}s" >>"$T.out"
		mkdir -p "$logs"
		cp "$T.out" "$logs/$t.out"
		find "$T" -name dtfs.log -exec cat {} + >"$logs/$t.dtfs.log" 2>/dev/null
		echo "FAIL $t: $(oneline "$T.out") (exit $rc, ${secs}s; $logs/$t.out)"
		failn=$((failn + 1))
		;;
	esac
	[ -n "${DTFS_TEST_VERBOSE:-}" ] && sed 's/^/    /' "$T.out"
	# Whatever the test left behind: mounts under $T, daemons of $T.
	for m in $(awk -v t="$T/" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r); do
		fusermount3 -uz "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	reap "$T"
	rm -rf "$T" "$T.out"
done
echo "$pass passed, $failn failed, $skip skipped"
[ $failn -eq 0 ]
