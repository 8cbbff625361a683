# mount(8) with the helper: `mount -t fuse.dtfs STORE MNT -o OPTS` runs
# tools/mount.fuse.dtfs, which runs dtfs (dtfs(8), MOUNT HELPER; the way
# xfstests mounts FUSE filesystems, dtfs(8) XFSTESTS). In a private mount
# namespace whose /sbin holds the tree's helper (mount(8) looks for helpers
# only there), so the machine's /sbin is not touched:
#  - the mount is fuse.dtfs, its source the store's absolute path; as root
#    it is dev,suid like any mount(8) mount (a device node works), and
#    nosuid,nodev when asked for;
#  - mount(8)'s and fstab's own options are taken (defaults, noauto, nofail,
#    _netdev, x-*, relatime, noatime, strictatime, lazytime, rw);
#  - -o nosubtype makes the type plain fuse (xfstests' FSTYP=fuse);
#  - -o remount,ro and remount,rw change the live mount;
#  - `umount -c STORE` finds the mount by its store (xfstests unmounts by
#    "device"), and an immediate remount works and prints nothing, 20 times
#    in a row (the scratch cycle: no "busy", no "store is in use");
#  - a bad option: one dtfs line, mount(8) exit 1; a store in use: 32.
need unshare mount umount findmnt
sbin=$(readlink -f /sbin)
mkdir -p "$T/sbin"
cp "$HERE/../../tools/mount.fuse.dtfs" "$T/sbin/"
chmod 755 "$T/sbin/mount.fuse.dtfs"
STORE_ABS=$(cd "$T" && pwd)/store

cat >"$T/inner.sh" <<'EOF'
set -eu
source "$HERE/lib.sh"
STORE=$STORE_ABS
mount --bind "$T/sbin" "$SBIN" || exit 99
export DTFS_PROG=$B/dtfs
info() { findmnt -rn -M "$MNT" -o "$1" || true; }
has() { info OPTIONS | tr , '\n' | grep -qx "$1"; }
mnt() { # mount(8), quiet on success: stderr goes to $T/err
	mount -t fuse.dtfs "$@" 2>"$T/err"
}
um() {
	pid=$(daemon_pid)
	umount -c "$STORE" || fail "umount -c $STORE did not find the mount"
	! mountpoint -q "$MNT" || fail "still mounted after umount -c STORE"
}

mnt "$STORE" "$MNT" -o allow_other,tracer=off || fail "mount(8): $(cat "$T/err")"
[ "$(info FSTYPE)" = fuse.dtfs ] || fail "type $(info FSTYPE), want fuse.dtfs"
[ "$(info SOURCE)" = "$STORE" ] || fail "source $(info SOURCE), want $STORE"
has nosuid && fail "mount(8) as root gave nosuid: $(info OPTIONS)"
has nodev && fail "mount(8) as root gave nodev: $(info OPTIONS)"
mknod "$MNT/null" c 1 3
echo x >"$MNT/null" || fail "a device node cannot be opened on a dev mount"
[ "$(findmnt -rncv -S "$STORE" -o SOURCE,TARGET)" = "$STORE $MNT" ] ||
	fail "findmnt -S STORE: $(findmnt -rncv -S "$STORE" -o SOURCE,TARGET)"
um
pass "mount -t fuse.dtfs: fuse.dtfs, source the store, dev,suid; umount -c STORE"

mnt "$STORE" "$MNT" -o nosuid,nodev,tracer=off || fail "nosuid,nodev: $(cat "$T/err")"
has nosuid && has nodev || fail "-o nosuid,nodev not on the mount: $(info OPTIONS)"
echo x 2>/dev/null >"$MNT/null" && fail "a device node opened on a nodev mount"
um
mnt "$STORE" "$MNT" -o defaults,noauto,nofail,_netdev,x-systemd.foo=1,comment=c \
	-o relatime,noatime,strictatime,lazytime,rw,dev,suid,tracer=off ||
	fail "mount(8)'s and fstab's options refused: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "mount(8) said something: $(cat "$T/err")"
has noatime || fail "noatime not on the mount: $(info OPTIONS)"
pass "nosuid,nodev honoured; fstab's and generic options taken"

# remount: read-only, then read-write again, the daemon the same
pid=$(daemon_pid)
mnt -o remount,ro,tracer=off "$STORE" "$MNT" || fail "remount,ro: $(cat "$T/err")"
has ro || fail "not ro after remount,ro: $(info OPTIONS)"
touch "$MNT/x" 2>/dev/null && fail "created a file on a read-only remount"
mnt -o remount,rw "$STORE" "$MNT" || fail "remount,rw: $(cat "$T/err")"
has rw || fail "not rw after remount,rw: $(info OPTIONS)"
touch "$MNT/x" || fail "cannot create a file after remount,rw"
[ "$(daemon_pid)" = "$pid" ] || fail "the daemon changed across remounts"
um
pass "remount,ro and remount,rw"

# nosubtype: the type xfstests compares with FSTYP=fuse
mnt "$STORE" "$MNT" -o nosubtype,allow_other,tracer=off || fail "nosubtype: $(cat "$T/err")"
[ "$(info FSTYPE)" = fuse ] || fail "type $(info FSTYPE) with nosubtype, want fuse"
[ "$(df -T -P "$MNT" | awk 'NR == 2 {print $1, $2}')" = "$STORE fuse" ] ||
	fail "df -T: $(df -T -P "$MNT" | tail -1)"
# the state the next mount waits on still names this mount
grep -q "^mounted [0-9]*:[0-9]* $MNT\$" "$STORE/dtfs.lock" ||
	fail "dtfs.lock: $(cat "$STORE/dtfs.lock")"
um
pass "-o nosubtype: type fuse, df -T says so"

# the scratch cycle: unmount by the store and mount again at once
for i in $(seq 20); do
	echo "$i" >"$T/i"
	mnt "$STORE" "$MNT" -o nosubtype,tracer=off || fail "cycle $i: $(cat "$T/err")"
	[ ! -s "$T/err" ] || fail "cycle $i: mount said: $(cat "$T/err")"
	echo "$i" >"$MNT/f$i"
	umount -c "$STORE" 2>"$T/err" || fail "cycle $i: umount: $(cat "$T/err")"
done
mnt "$STORE" "$MNT" -o tracer=off || fail "after the cycles: $(cat "$T/err")"
[ "$(cat "$MNT/f20")" = 20 ] || fail "f20 lost"
pass "20 unmount/mount cycles at once, silent"

# refusals: a bad option (one line, exit 1), the store in use (32)
mkdir -p "$T/mnt2"
rc=0
mount -t fuse.dtfs -o tracer=off "$STORE" "$T/mnt2" 2>"$T/err" || rc=$?
[ $rc -eq 32 ] || fail "store in use: mount exit $rc, want 32: $(cat "$T/err")"
grep -q "store is in use" "$T/err" || fail "store in use: $(cat "$T/err")"
um
rc=0
mount -t fuse.dtfs -o no_such_opt "$STORE" "$MNT" 2>"$T/err" || rc=$?
[ $rc -eq 1 ] || fail "bad option: mount exit $rc, want 1: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^dtfs: .*no_such_opt" "$T/err" ||
	fail "bad option: $(cat "$T/err")"
! mountpoint -q "$MNT" || fail "mounted with a bad option"
pass "refusals: bad option exit 1, store in use exit 32"
fsck_clean
EOF
rc=0
export B T HERE STORE_ABS SBIN=$sbin
unshare -m --propagation private bash "$T/inner.sh" || rc=$?
[ $rc -ne 99 ] || skip "cannot bind-mount over $sbin in a private mount namespace"
[ $rc -eq 0 ] || fail "exit $rc"
