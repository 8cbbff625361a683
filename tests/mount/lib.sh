# Shared fixture for the mount tests; sourced by run.sh for each t_*.sh,
# which runs with set -eu in a fresh temp dir $T.
# Provides: $B (build dir), $T, $STORE, $MNT, $HELPER,
#   mount_dtfs [dtfs args...]   mount $STORE on $MNT (fails the test if not)
#   umount_dtfs                 fusermount3 -u and wait for the daemon to exit
#   daemon_pid                  pid of the daemon serving $STORE
#   wait_gone PID               wait until PID has exited
#   fsck_clean                  dtfs-fsck $STORE exits 0
#   fail MSG / pass MSG / skip REASON / need CMD...

STORE=$T/store
MNT=$T/mnt
HELPER=$B/dt-mnt-helper
mkdir -p "$MNT"

fail() {
	echo "$*" >&2
	exit 1
}

pass() {
	echo "ok: $*"
}

# Exit status 77 makes run.sh print SKIP with the last line of output.
skip() {
	echo "$*"
	exit 77
}

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c not installed (make deps)"
	done
}

daemon_pid() {
	pgrep -f "^$B/dtfs $STORE " | head -1 || true
}

wait_gone() {
	local pid=$1
	for _ in $(seq 300); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "process $pid still running after 30 s"
}

mount_dtfs() {
	"$B/dtfs" "$STORE" "$MNT" "$@" || fail "mount failed: dtfs $STORE $MNT $*"
	mountpoint -q "$MNT" || fail "not mounted after dtfs returned 0"
}

# Unmount and wait until the daemon has closed the store.
umount_dtfs() {
	local pid i
	pid=$(daemon_pid)
	# EBUSY is a file of the mount open somewhere: on a machine shared
	# with other work (a VM sharing /, a scan) it passes; say who it was
	# if it does not
	for i in $(seq 50); do
		fusermount3 -u "$MNT" 2>"$T/umount.err" && break
		grep -q busy "$T/umount.err" ||
			fail "fusermount3 -u $MNT failed: $(cat "$T/umount.err")"
		[ "$i" -lt 50 ] || fail "fusermount3 -u $MNT: busy for 5 s:" \
			"$(fuser -vm "$MNT" 2>&1 | tr '\n' ' ')"
		sleep 0.1
	done
	[ -z "$pid" ] || wait_gone "$pid"
}

fsck_clean() {
	local out rc=0
	out=$("$B/dtfs-fsck" "$STORE" 2>&1) || rc=$?
	[ $rc -eq 0 ] || fail "dtfs-fsck $STORE exit $rc: $(echo "$out" | head -20)"
}

cleanup() {
	if mountpoint -q "$MNT" 2>/dev/null; then
		fusermount3 -uz "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	fi
	local pid
	pid=$(daemon_pid)
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	true
}
trap cleanup EXIT
