# Access times (dtfs(7), FILESYSTEM SEMANTICS; xfstests generic/003): with
# relatime (the default) the first read after a change sets atime and a
# second one does not; noatime never sets it; strictatime sets it on every
# read, also of a file whose pages are cached; -o ro never; directories
# get it from a listing unless nodiratime. Times survive a remount.
at() { stat -c %X.%x "$1"; }
mount_dtfs
echo aaa >"$MNT/f"
mkdir "$MNT/d"
a0=$(at "$MNT/f")
sleep 1.1
cat "$MNT/f" >/dev/null
a1=$(at "$MNT/f")
[ "$a1" != "$a0" ] || fail "relatime: first read after the write left atime $a0"
sleep 1.1
cat "$MNT/f" >/dev/null
a2=$(at "$MNT/f")
[ "$a2" = "$a1" ] || fail "relatime: second read changed atime $a1 -> $a2"
d0=$(at "$MNT/d")
sleep 1.1
ls "$MNT/d" >/dev/null
d1=$(at "$MNT/d")
[ "$d1" != "$d0" ] || fail "relatime: listing a new directory left its atime"
umount_dtfs
mount_dtfs -o nodiratime
[ "$(at "$MNT/f")" = "$a2" ] || fail "atime changed across a remount"
echo bbb >"$MNT/d/g"
d2=$(at "$MNT/d")
sleep 1.1
ls "$MNT/d" >/dev/null
[ "$(at "$MNT/d")" = "$d2" ] || fail "nodiratime: listing changed the directory's atime"
umount_dtfs
mount_dtfs -o noatime
echo ccc >"$MNT/h"
h0=$(at "$MNT/h")
sleep 1.1
cat "$MNT/h" >/dev/null
[ "$(at "$MNT/h")" = "$h0" ] || fail "noatime: a read set atime"
umount_dtfs
mount_dtfs -o strictatime
cat "$MNT/h" >/dev/null
h1=$(at "$MNT/h")
[ "$h1" != "$h0" ] || fail "strictatime: a read left atime"
sleep 1.1
cat "$MNT/h" >/dev/null
h2=$(at "$MNT/h")
[ "$h2" != "$h1" ] || fail "strictatime: a second read (pages cached) left atime"
umount_dtfs
mount_dtfs -o ro,strictatime
sleep 1.1
cat "$MNT/h" >/dev/null
ls "$MNT/d" >/dev/null
[ "$(at "$MNT/h")" = "$h2" ] || fail "ro: a read set atime"
umount_dtfs
fsck_clean
