# A shared writable mapping is coherent with read()/write() both ways
# (dt-mnt-helper mmap-coherence), and what went through the mapping is in
# the store after a remount.
mount_dtfs
"$HELPER" mmap-coherence "$MNT/m" || fail "mmap coherence"
sum=$(sha256sum <"$MNT/m")
umount_dtfs
fsck_clean
mount_dtfs
[ "$(sha256sum <"$MNT/m")" = "$sum" ] || fail "mapped file differs after remount"
[ "$(stat -c %s "$MNT/m")" = 1048576 ] || fail "size $(stat -c %s "$MNT/m") after remount"
umount_dtfs
fsck_clean
