# O_DIRECT pwrite/pread with aligned buffers, and coherence between
# O_DIRECT and buffered I/O (dt-mnt-helper odirect); content after remount.
mount_dtfs
"$HELPER" odirect "$MNT/d" || fail "O_DIRECT checks failed"
sum=$(sha256sum <"$MNT/d")
size=$(stat -c %s "$MNT/d")
umount_dtfs
fsck_clean
mount_dtfs
[ "$(sha256sum <"$MNT/d")" = "$sum" ] || fail "O_DIRECT file differs after remount"
[ "$(stat -c %s "$MNT/d")" = "$size" ] || fail "size differs after remount"
dd if="$MNT/d" of=/dev/null bs=1M iflag=direct status=none || fail "O_DIRECT read after remount"
umount_dtfs
fsck_clean
