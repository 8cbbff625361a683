# Refusals: a store held by a running daemon (dtfs and dtfs-fsck), a
# non-store directory, a missing mountpoint, an unknown option; each a
# one-line error and a non-zero exit, with nothing mounted and the first
# mount unharmed.
mount_dtfs
echo first >"$MNT/f"
pid=$(daemon_pid)
mkdir -p "$T/mnt2"
rc=0
out=$("$B/dtfs" "$STORE" "$T/mnt2" 2>&1) || rc=$?
[ $rc -ne 0 ] || fail "second daemon on the same store mounted"
[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "error is not one line: $out"
echo "$out" | grep -q "in use" || fail "no 'in use' message: $out"
mountpoint -q "$T/mnt2" && fail "mnt2 got mounted"
[ "$(pgrep -fc "^$B/dtfs $STORE ")" -eq 1 ] || fail "more than one daemon on the store"
# -f (foreground) refuses the same way
rc=0
out=$(timeout 20 "$B/dtfs" "$STORE" "$T/mnt2" -f 2>&1) || rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "foreground second daemon: exit $rc"
mountpoint -q "$T/mnt2" && fail "mnt2 got mounted (-f)"
# fsck refuses a store in use (exit 3)
rc=0
out=$("$B/dtfs-fsck" "$STORE" 2>&1) || rc=$?
[ $rc -eq 3 ] || fail "dtfs-fsck on a store in use: exit $rc, want 3: $out"
# the first mount still works
[ "$(cat "$MNT/f")" = first ] || fail "first mount damaged"
echo again >>"$MNT/f"
[ "$(daemon_pid)" = "$pid" ] || fail "first daemon changed"
umount_dtfs
mountpoint -q "$MNT" && fail "still mounted after umount"
mount_dtfs
[ "$(cat "$MNT/f")" = "first
again" ] || fail "content after refusals and remount: $(cat "$MNT/f")"
umount_dtfs
# a directory that is not a store is refused and left alone
mkdir -p "$T/notstore" && echo x >"$T/notstore/file"
rc=0
out=$("$B/dtfs" "$T/notstore" "$T/mnt2" 2>&1) || rc=$?
[ $rc -ne 0 ] || fail "non-store directory mounted"
echo "$out" | grep -q "not a dtfs store" || fail "wrong message: $out"
[ "$(ls "$T/notstore")" = file ] && [ "$(cat "$T/notstore/file")" = x ] ||
	fail "non-store directory was touched: $(ls "$T/notstore")"
mountpoint -q "$T/mnt2" && fail "mnt2 got mounted"
rc=0
out=$("$B/dtfs" "$STORE" "$T/nothere" 2>&1) || rc=$?
[ $rc -ne 0 ] || fail "missing mountpoint accepted"
echo "$out" | grep -q "nothere" || fail "message does not name the mountpoint: $out"
rc=0
out=$("$B/dtfs" "$STORE" "$T/mnt2" -o no_such_option 2>&1) || rc=$?
[ $rc -ne 0 ] || fail "unknown option accepted"
mountpoint -q "$T/mnt2" && fail "mounted with a bad option"
# fsck usage and open errors: exit 2
rc=0
"$B/dtfs-fsck" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "dtfs-fsck without arguments: exit $rc, want 2"
rc=0
"$B/dtfs-fsck" "$T/nothere" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "dtfs-fsck of a missing store: exit $rc, want 2"
[ -e "$T/nothere" ] && fail "dtfs-fsck created a store"
fsck_clean
