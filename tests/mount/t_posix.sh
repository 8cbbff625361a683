# The POSIX battery of dt-mnt-helper (errnos, links, renames, times,
# xattrs, fallocate, SEEK_DATA/HOLE, copy_file_range, unlinked-but-open
# files, special files, readdir, permissions as another user), then fsck,
# then the tree it left is the same after a remount.
mount_dtfs -o allow_other
"$HELPER" posix "$MNT" || fail "posix checks failed"
(cd "$MNT" && find . -printf '%p %y %m %s %n %U %G\n' | sort) >"$T/before"
umount_dtfs
fsck_clean
mount_dtfs
(cd "$MNT" && find . -printf '%p %y %m %s %n %U %G\n' | sort) >"$T/after"
diff "$T/before" "$T/after" || fail "tree left by the battery differs after remount"
umount_dtfs
fsck_clean
