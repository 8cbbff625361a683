# fallocate counts its blocks in st_blocks, and writing into the
# fallocated range does not grow it (xfstests generic/568): across a block
# boundary, inside one block of a small file, and for 1 MiB.
need fallocate
mount_dtfs
blocks() { stat -c %b "$1"; }
fallocate -o 4095 -l 2 "$MNT/a"
[ "$(blocks "$MNT/a")" -eq 16 ] || fail "falloc 4095+2: st_blocks $(blocks "$MNT/a"), want 16"
printf ab | dd of="$MNT/a" bs=1 seek=4095 conv=notrunc status=none
[ "$(blocks "$MNT/a")" -eq 16 ] || fail "write into falloc 4095+2: st_blocks $(blocks "$MNT/a"), want 16"
fallocate -o 10 -l 20 "$MNT/b"
printf ab | dd of="$MNT/b" bs=1 seek=12 conv=notrunc status=none
[ "$(blocks "$MNT/b")" -eq 8 ] || fail "small file: st_blocks $(blocks "$MNT/b"), want 8"
fallocate -l 1M "$MNT/c"
[ "$(blocks "$MNT/c")" -eq 2048 ] || fail "falloc 1 MiB: st_blocks $(blocks "$MNT/c"), want 2048"
dd if=/dev/urandom of="$MNT/c" bs=64k count=16 conv=notrunc status=none
[ "$(blocks "$MNT/c")" -eq 2048 ] || fail "write into falloc 1 MiB: st_blocks $(blocks "$MNT/c"), want 2048"
umount_dtfs
fsck_clean
