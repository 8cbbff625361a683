# File handles (dtfs(7), "File handles"; xfstests generic/426, 467, 477,
# 756, 777): a handle taken with name_to_handle_at opens the same file or
# directory with open_by_handle_at after the kernel dropped its inode
# cache and after a remount; the handle of a deleted file answers ESTALE,
# also once newer files exist (inode numbers are never reused).
SEM=$B/dt-sem
mount_dtfs
mkdir -p "$MNT/a/b"
echo hello >"$MNT/a/b/f"
echo gone >"$MNT/g"
"$SEM" handle-save "$MNT/a/b/f" "$T/h.f" || fail "name_to_handle_at file"
"$SEM" handle-save "$MNT/a/b" "$T/h.d" || fail "name_to_handle_at directory"
"$SEM" handle-save "$MNT/g" "$T/h.g" || fail "name_to_handle_at g"
rm "$MNT/g"
for i in 1 2 3; do : >"$MNT/new$i"; done
# the kernel forgets the inodes (dentries and inodes only)
sync
echo 2 >/proc/sys/vm/drop_caches
[ "$("$SEM" handle-open "$MNT" "$T/h.f")" = hello ] || fail "file handle after drop_caches"
[ "$("$SEM" handle-open "$MNT" "$T/h.d")" = directory ] || fail "directory handle after drop_caches"
"$SEM" handle-open "$MNT" "$T/h.g" ESTALE || fail "deleted file after drop_caches"
umount_dtfs
fsck_clean
mount_dtfs
[ "$("$SEM" handle-open "$MNT" "$T/h.f")" = hello ] || fail "file handle after remount"
[ "$("$SEM" handle-open "$MNT" "$T/h.d")" = directory ] || fail "directory handle after remount"
"$SEM" handle-open "$MNT" "$T/h.g" ESTALE || fail "deleted file after remount"
umount_dtfs
fsck_clean
