# An asynchronous O_DIRECT write (io_uring) is seen by the next buffered
# read even while other threads keep reading the file through the page
# cache (dt-sem dio-stale; xfstests generic/451): dtfs drops the cached
# pages of a direct write's range before acknowledging it, dtfs(7).
SEM=$B/dt-sem
mount_dtfs
"$SEM" dio-stale "$MNT/f" 8 || fail "stale buffered read after O_DIRECT write"
umount_dtfs
fsck_clean
