# The command line: every bad input is refused with one line naming the
# problem and a non-zero exit (2 for usage and options, 1 for the
# environment), before anything is created or mounted: an existing store
# stays byte for byte as it was, a missing one is not created, no daemon
# stays behind. Bad inputs: unknown options and switches, malformed values
# of each dtfs option, empty values, switches inside -o, libfuse's own bad
# values, missing and extra arguments, a mountpoint that is missing or a
# regular file, no or a fake /dev/fuse (private mount namespace), tracer=on
# without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN. Then good ones: every dtfs
# option at once (an escaped comma in a path), a relative dirty log path,
# --help and --version; the generic mount options mount(8) hands down.

# an existing store, to check that refusals leave it alone
mount_dtfs -o tracer=off
echo data >"$MNT/f"
umount_dtfs
snapshot() {
	(cd "$STORE" && find . -printf '%p %y %s %m %T@\n' | sort &&
		find . -type f -exec md5sum {} + | sort)
}
before=$(snapshot)
NEW=$T/newstore
touch "$T/regular"
mkdir -p "$T/mnt2"
nbad=0

# refused CODE REGEX ARGS...: dtfs ARGS with $STORE and with a store that
# does not exist; the same exit, one line matching REGEX.
refused() {
	local code=$1 re=$2 s out rc
	shift 2
	for s in "$STORE" "$NEW"; do
		rc=0
		out=$("$B/dtfs" "${@//@S@/$s}" 2>&1 </dev/null) || rc=$?
		[ $rc -eq "$code" ] || fail "dtfs $*: exit $rc, want $code: $out"
		[ -n "$out" ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] ||
			fail "dtfs $*: not one line: $out"
		printf '%s\n' "$out" | grep -qE -- "$re" ||
			fail "dtfs $*: message '$out' does not match '$re'"
		printf '%s\n' "$out" | grep -q "^dtfs: " ||
			fail "dtfs $*: message without the program: $out"
		! mountpoint -q "$MNT" || fail "dtfs $*: mounted $MNT"
		! mountpoint -q "$T/mnt2" || fail "dtfs $*: mounted mnt2"
		[ ! -e "$NEW" ] || fail "dtfs $*: created $NEW"
		[ -z "$(pgrep -f "^$B/dtfs .*$T/" || true)" ] ||
			fail "dtfs $*: a daemon is left"
	done
	[ "$(snapshot)" = "$before" ] || fail "dtfs $*: the store changed"
	nbad=$((nbad + 1))
}

# unknown options: libfuse's verdict, as one dtfs line
refused 2 "unknown option\(s\): .-o no_such_option'" @S@ "$MNT" -o no_such_option
refused 2 "unknown option\(s\): .-o bogus=1'" @S@ "$MNT" -o allow_other,bogus=1
refused 2 "unknown option\(s\): .-x'" @S@ "$MNT" -x
refused 2 "unknown option\(s\): .--frobnicate'" @S@ "$MNT" --frobnicate
# libfuse's own options with bad values
refused 2 "invalid parameter in option .max_idle_threads=abc'" @S@ "$MNT" -o max_idle_threads=abc
refused 2 "invalid parameter in option .max_read=x'" @S@ "$MNT" -o max_read=x
# dtfs's options, malformed
refused 2 "^dtfs: bad value 'abc' for -o max_threads \(want an integer 1\.\.1024\)$" @S@ "$MNT" -o max_threads=abc
refused 2 "bad value '5x' for -o max_threads" @S@ "$MNT" -omax_threads=5x
refused 2 "bad value '0' for -o max_threads" @S@ "$MNT" -o max_threads=0
refused 2 "bad value '1025' for -o max_threads" @S@ "$MNT" -o max_threads=1025
refused 2 "bad value '-1' for -o attr_timeout \(want seconds 0\.\.86400\)" @S@ "$MNT" -o attr_timeout=-1
refused 2 "bad value 'nan' for -o entry_timeout" @S@ "$MNT" -o entry_timeout=nan
refused 2 "bad value '1,5' for -o entry_timeout" @S@ "$MNT" -o 'entry_timeout=1\,5'
refused 2 "bad value 'maybe' for -o tracer \(want auto, on or off\)" @S@ "$MNT" -o tracer=maybe
refused 2 "bad value 'panic' for -o on_violation \(want warn, eio or abort\)" @S@ "$MNT" -o on_violation=panic
refused 2 "bad value 'never' for -o release \(want writeback or evict\)" @S@ "$MNT" -o release=never
refused 2 "bad value '0' for -o dirty_log_max \(want MiB 1\.\.1048576\)" @S@ "$MNT" -o dirty_log_max=0
refused 2 "empty value for -o max_threads" @S@ "$MNT" -o max_threads=
refused 2 "empty value for -o dirty_log \(want a path or off\)" @S@ "$MNT" -o ro,dirty_log=
refused 2 "empty value for -o tracer" @S@ "$MNT" -o tracer=
refused 2 "-o attr_timeout needs a value" @S@ "$MNT" -o attr_timeout
refused 2 "-o writeback_cache takes no value \(got 'yes'\)" @S@ "$MNT" -o writeback_cache=yes
refused 2 "bad value 'o\\\\x0an' for -o tracer" @S@ "$MNT" -o "tracer=o
n"
refused 2 "bad option '-f' in -o \(a switch goes alone\)" @S@ "$MNT" -o ro,-f
refused 2 "trailing backslash in -o 'ro,x\\\\'" @S@ "$MNT" -o 'ro,x\'
refused 2 "missing argument after -o" @S@ "$MNT" -o
# arguments
refused 2 "^dtfs: missing STORE and MOUNTPOINT \(usage: " -f
refused 2 "^dtfs: missing MOUNTPOINT \(usage: STORE MOUNTPOINT" @S@
refused 2 "^dtfs: missing MOUNTPOINT" @S@ -o ro
refused 2 "too many arguments: 'extra'" @S@ "$MNT" extra
refused 2 "too many arguments: '$T/mnt2'" @S@ "$MNT" "$T/mnt2"
refused 2 "empty MOUNTPOINT argument" @S@ ""
refused 2 "^dtfs: mountpoint $T/nothere: No such file or directory$" @S@ "$T/nothere"
refused 2 "^dtfs: mountpoint $T/regular: Not a directory$" @S@ "$T/regular"
refused 2 "^dtfs: dirty log $T/nodir/d.log: $T/nodir: No such file or directory$" @S@ "$MNT" -o dirty_log="$T/nodir/d.log"
# the first error wins, the later ones are not looked at
refused 2 "bad value 'x' for -o tracer" @S@ "$MNT" -o tracer=x -o max_threads=y

# the tracer without its capabilities: refused before mounting, as root
# with CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN dropped, and as nobody
need setpriv
drop="--inh-caps=-bpf,-perfmon,-sys_admin --bounding-set=-bpf,-perfmon,-sys_admin"
# shellcheck disable=SC2086
setpriv $drop true 2>/dev/null || skip "setpriv cannot drop CAP_BPF/CAP_PERFMON"
for who in root nobody; do
	for s in "$STORE" "$NEW"; do
		rc=0
		if [ $who = root ]; then
			# shellcheck disable=SC2086
			out=$(setpriv $drop -- "$B/dtfs" "$s" "$MNT" -o tracer=on 2>&1) || rc=$?
		else
			out=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- \
				"$B/dtfs" "$s" "$MNT" -o tracer=on 2>&1) || rc=$?
		fi
		[ $rc -eq 2 ] || fail "tracer=on without capabilities ($who): exit $rc: $out"
		[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "not one line: $out"
		echo "$out" | grep -qE "^dtfs: tracer=on: needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN \(effective capabilities 0x[0-9a-f]+\)$" ||
			fail "tracer=on without capabilities ($who): $out"
		! mountpoint -q "$MNT" || fail "mounted without the tracer's capabilities"
		[ ! -e "$NEW" ] || fail "store created without the tracer's capabilities"
	done
	nbad=$((nbad + 1))
done
[ "$(snapshot)" = "$before" ] || fail "the store changed (tracer)"
# with CAP_SYS_ADMIN alone (CAP_BPF and CAP_PERFMON dropped) the check passes
rc=0
out=$(setpriv --inh-caps=-bpf,-perfmon --bounding-set=-bpf,-perfmon -- \
	"$B/dtfs" "$NEW" "$T/regular" -o tracer=on 2>&1) || rc=$?
echo "$out" | grep -q "mountpoint $T/regular: Not a directory" ||
	fail "CAP_SYS_ADMIN alone was not enough for the check: $out"

# no /dev/fuse, and a /dev/fuse that is not the device: in a private mount
# namespace, so the machine's /dev is not touched
need unshare
: >"$T/fakefuse"
nsrun() { # SETUP: run dtfs after SETUP in a private mount namespace
	unshare -m --propagation private sh -c "$1"' || exit 99
		"$0" "$1" "$2" 2>&1; rc=$?
		mountpoint -q "$2" && echo MOUNTED
		exit $rc' "$B/dtfs" "$2" "$MNT"
}
for setup in "mount -t tmpfs none /dev" \
	"mount --bind $T/fakefuse /dev/fuse" \
	"mount --bind /dev/null /dev/fuse"; do
	for s in "$STORE" "$NEW"; do
		rc=0
		out=$(nsrun "$setup" "$s") || rc=$?
		[ $rc -ne 99 ] || skip "cannot set up a private /dev ($setup)"
		[ $rc -eq 1 ] || fail "$setup: exit $rc, want 1: $out"
		[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "$setup: not one line: $out"
		case $setup in
		*tmpfs*) re="^dtfs: /dev/fuse: No such file or directory \(no FUSE device here" ;;
		*fakefuse*) re="^dtfs: /dev/fuse is not the FUSE device \(not a character device\)$" ;;
		*) re="^dtfs: /dev/fuse is not the FUSE device \(another character device\)$" ;;
		esac
		echo "$out" | grep -qE "$re" || fail "$setup: $out"
		[ ! -e "$NEW" ] || fail "$setup: store created"
	done
	nbad=$((nbad + 1))
done
[ "$(snapshot)" = "$before" ] || fail "the store changed (/dev/fuse)"
! mountpoint -q "$MNT" || fail "mounted (/dev/fuse)"
pass "$nbad bad command lines refused"

# good ones: every dtfs option at once, attached -o, an escaped comma
mount_dtfs -o "max_threads=4,attr_timeout=0.5,entry_timeout=0" \
	-otracer=off,on_violation=eio,release=evict,writeback_cache \
	-o "dirty_log=$T/a\\,b.log,dirty_log_max=1"
[ "$(cat "$MNT/f")" = data ] || fail "data after remount"
"$B/dtfsctl" policy -m "$MNT" | grep -qx "on_violation=eio release=evict" ||
	fail "policy not from the command line: $("$B/dtfsctl" policy -m "$MNT")"
"$B/dtfsctl" status "$MNT/f" | grep -q "^tracer: off" || fail "tracer not off"
[ -s "$T/a,b.log" ] || fail "no dirty log at '$T/a,b.log'"
grep -q "(writeback_cache)" "$STORE/dtfs.log" || fail "writeback_cache not taken"
umount_dtfs
# a relative dirty log path is the current directory's (the daemon chdirs
# to /); dirty_log=off writes none
(cd "$T" && "$B/dtfs" store mnt -o dirty_log=rel.log,tracer=off) || fail "relative dirty log"
mountpoint -q "$MNT" || fail "not mounted (relative dirty log)"
pid=$(pgrep -f "^$B/dtfs store mnt " | head -1)
fusermount3 -u "$MNT"
wait_gone "$pid"
[ -s "$T/rel.log" ] || fail "no dirty log at $T/rel.log"
"$B/dtfs-log" show "$T/rel.log" >/dev/null || fail "dtfs-log cannot read $T/rel.log"
rm -f "$STORE/dirty.log"
mount_dtfs -o dirty_log=off,tracer=off
umount_dtfs
[ ! -e "$STORE/dirty.log" ] || fail "dirty_log=off wrote a log"
# generic mount options, as mount(8) and mount.fuse3 hand them down:
# without dev and suid the mount is nodev,nosuid (libfuse's default) and a
# device node on it cannot be opened; with them it is neither, and the node
# works; noatime reaches the mount; relatime and nodiratime are dtfs's
# (t_atime), lazytime is taken without effect and the daemon says so
mount_dtfs -o tracer=off
mnt_opts() { awk -v m="$MNT" '$2 == m {print $4}' /proc/mounts; }
mnt_opts | grep -qE '(^|,)nosuid(,|$)' || fail "default mount not nosuid: $(mnt_opts)"
mnt_opts | grep -qE '(^|,)nodev(,|$)' || fail "default mount not nodev: $(mnt_opts)"
mknod "$MNT/null" c 1 3 || fail "mknod on dtfs"
echo x 2>/dev/null >"$MNT/null" && fail "a device node opened on a nodev mount"
umount_dtfs
mount_dtfs -o tracer=off,dev,suid,relatime,noatime,nodiratime,lazytime,rw,exec
mnt_opts | grep -qE '(^|,)(nosuid|nodev)(,|$)' && fail "-o dev,suid did not reach the mount: $(mnt_opts)"
mnt_opts | grep -qE '(^|,)noatime(,|$)' || fail "-o noatime did not reach the mount: $(mnt_opts)"
echo x >"$MNT/null" || fail "the device node cannot be opened with -o dev"
grep -q "without effect: lazytime$" "$STORE/dtfs.log" ||
	fail "accepted options not named: $(tail -2 "$STORE/dtfs.log")"
rm -f "$MNT/null"
umount_dtfs
pass "mount options"

# help and version: exit 0 on stdout, whatever else is on the line
out=$("$B/dtfs" --help) || fail "--help: exit $?"
for w in "usage: " "max_threads=N" "1..1024" "CAP_BPF" "allow_other" "-o clone_fd" \
	"on_violation=warn|eio|abort" " nosuid " " relatime "; do
	echo "$out" | grep -qF -- "$w" || fail "--help does not mention $w"
done
"$B/dtfs" -o max_threads=abc -h | grep -q "^usage: " || fail "-h after a bad option"
"$B/dtfs" -V | grep -qE "^dtfs store format [0-9]+, FUSE library 3\." || fail "-V"
fsck_clean
