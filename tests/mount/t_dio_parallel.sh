# O_DIRECT opens get FUSE's direct_io with parallel direct writes (dtfs(7),
# "O_DIRECT and the page cache"): while dtfs holds one direct overwrite of
# a file (a gate), another direct overwrite of the same file completes, as
# on ext4 or xfs. With -o cached_dio it waits for the first, as on FUSE's
# page-cache path. And an O_DIRECT descriptor can still be mapped shared.
need python3
log=$STORE/dtfs.log

# fill a 1 MiB file $MNT/p
fill() {
	dd if=/dev/urandom of="$MNT/p" bs=1M count=1 status=none ||
		fail "fill $MNT/p"
}

# start a direct overwrite of one block (number $1) of $MNT/p; its pid: $!
# (not dd, which closes a descriptor of the file before it writes: on
# kernels whose FLUSH takes the inode lock, that waits for the held write)
overwrite() {
	python3 -c '
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_DIRECT)
assert os.pwritev(fd, [mmap.mmap(-1, 4096)], int(sys.argv[2]) * 4096) == 4096
' "$MNT/p" "$1" &
}

# both overwrites landed, the rest of the file is what it was
landed() {
	local b
	for b in 3 100; do
		cmp -s -n 4096 /dev/zero \
			<(dd if="$MNT/p" bs=4096 skip=$b count=1 status=none) ||
			fail "write of block $b not in $MNT/p"
	done
}
mount_dtfs
grep -q 'O_DIRECT through the page cache (the kernel has no' "$log" &&
	skip "the kernel has no FUSE_DIRECT_IO_ALLOW_MMAP ($(uname -r))"
grep -q 'O_DIRECT direct_io, parallel writes' "$log" ||
	fail "no O_DIRECT line in the log: $(grep O_DIRECT "$log")"
# a descriptor opened with O_DIRECT maps shared, reads and writes through
# the mapping, and its direct writes reach the mapping
"$HELPER" odirect "$MNT/d" || fail "O_DIRECT checks failed"
python3 - "$MNT/m" <<'PY' || fail "mmap of an O_DIRECT descriptor"
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_DIRECT, 0o644)
os.ftruncate(fd, 65536)
m = mmap.mmap(fd, 65536, mmap.MAP_SHARED)
m[0:5] = b"hello"
m.flush()
buf = mmap.mmap(-1, 4096)
assert os.preadv(fd, [buf], 0) == 4096 and buf[0:5] == b"hello"
buf[0:5] = b"world"
assert os.pwritev(fd, [buf], 4096) == 4096
assert m[4096:4101] == b"world", m[4096:4101]
PY
umount_dtfs

# two direct overwrites of one file, both held in dtfs at once
mount_dtfs
fill
"$B/dtfsctl" gate "$MNT/p" --writes 2 || fail "gate"
overwrite 3
p1=$!
overwrite 100
p2=$!
held=0
for _ in $(seq 50); do
	held=$("$B/dtfsctl" wait-gated "$MNT/p" --timeout 5000 | awk '{print $1}')
	[ "$held" = 2 ] && break
	sleep 0.1
done
"$B/dtfsctl" release "$MNT/p" || fail "release"
wait $p1 || fail "the first write failed after release"
wait $p2 || fail "the second write failed after release"
[ "$held" = 2 ] || fail "$held of 2 direct writes reached dtfs at once"
landed
pass "direct writes of one file run at once"
umount_dtfs

# -o cached_dio: with one held in dtfs, the other waits in the kernel
mount_dtfs -o cached_dio
grep -q 'O_DIRECT through the page cache (-o cached_dio)' "$log" ||
	fail "-o cached_dio not logged: $(grep O_DIRECT "$log" | tail -1)"
fill
"$B/dtfsctl" gate "$MNT/p" --writes 1 || fail "gate"
overwrite 3
p1=$!
# not wait-gated: its close would wait for the held write on kernels whose
# FLUSH takes the inode lock (dtfs(7))
sleep 1
overwrite 100
p2=$!
sleep 2
kill -0 $p2 2>/dev/null ||
	fail "-o cached_dio: a direct write did not wait for another"
"$B/dtfsctl" release "$MNT/p" || fail "release"
wait $p1 || fail "the first write failed after release"
wait $p2 || fail "the second write failed after release"
landed
pass "-o cached_dio: one direct write at a time"
umount_dtfs
fsck_clean
