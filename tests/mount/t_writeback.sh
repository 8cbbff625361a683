# -o writeback_cache: the kernel caches and merges writes and owns size and
# mtime. Small appends, odd-sized writes, holes, mmap and the posix battery
# must give the same content as a local file, and the same after remount
# without the option.
mount_dtfs -o writeback_cache,allow_other
grep -E " $MNT fuse" /proc/mounts >/dev/null || fail "not a fuse mount"
head -c 3000000 /dev/urandom >"$T/ref.rand"
cp "$T/ref.rand" "$MNT/rand"
cmp "$T/ref.rand" "$MNT/rand" || fail "copied file differs"
# 4000 small appends through one open file description
exec 3>>"$MNT/appends"
exec 4>>"$T/ref.appends"
for i in $(seq 4000); do
	printf 'line %05d\n' "$i" >&3
	printf 'line %05d\n' "$i" >&4
done
exec 3>&- 4>&-
cmp "$T/ref.appends" "$MNT/appends" || fail "appends differ"
[ "$(stat -c %s "$MNT/appends")" = 44000 ] || fail "appends size $(stat -c %s "$MNT/appends")"
# odd-sized overwrites at odd offsets, and a write past EOF leaving a hole
for f in "$T/ref.rand" "$MNT/rand"; do
	printf 'ABCDEFG' | dd of="$f" bs=1 seek=65533 conv=notrunc status=none
	printf 'tail' | dd of="$f" bs=1 seek=5000000 conv=notrunc status=none
	truncate -s 4000001 "$f"
done
cmp "$T/ref.rand" "$MNT/rand" || fail "overwritten file differs"
[ "$(stat -c %s "$MNT/rand")" = 4000001 ] || fail "size after truncate $(stat -c %s "$MNT/rand")"
"$HELPER" mmap-coherence "$MNT/m" || fail "mmap coherence (writeback_cache)"
mkdir "$MNT/px"
DTFS_WRITEBACK_CACHE=1 "$HELPER" posix "$MNT/px" || fail "posix checks (writeback_cache)"
sums=$(cd "$MNT" && sha256sum rand appends m)
umount_dtfs
fsck_clean
mount_dtfs
[ "$(cd "$MNT" && sha256sum rand appends m)" = "$sums" ] || fail "content differs after remount"
cmp "$T/ref.rand" "$MNT/rand" || fail "rand differs from reference after remount"
umount_dtfs
fsck_clean
