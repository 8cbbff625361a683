# O_DIRECT opens get FUSE's direct_io with parallel direct writes (dtfs(7),
# "O_DIRECT and the page cache"): while dtfs holds one direct overwrite of
# a file (a gate), another direct overwrite of the same file completes, as
# on ext4 or xfs. With -o cached_dio it waits for the first, as on FUSE's
# page-cache path. And an O_DIRECT descriptor can still be mapped shared.
need python3
log=$STORE/dtfs.log

# mount with "$@"; hold one direct write of a 1 MiB file in dtfs; R is
# "done" if a second direct write to the file completes within 3 s
second_write() {
	local f=$MNT/p pid pid2
	R=held
	mount_dtfs "$@"
	dd if=/dev/urandom of="$f" bs=1M count=1 status=none || fail "fill $f"
	"$B/dtfsctl" gate "$f" --writes 1 || fail "gate $f"
	dd if=/dev/zero of="$f" bs=4096 count=1 seek=3 oflag=direct \
		conv=notrunc status=none &
	pid=$!
	"$B/dtfsctl" wait-gated "$f" --timeout 5000 || fail "first write not held"
	# the second write: done within 3 s, or still waiting (in the kernel,
	# where no signal stops it) until the release
	dd if=/dev/zero of="$f" bs=4096 count=1 seek=100 oflag=direct \
		conv=notrunc status=none &
	pid2=$!
	for _ in $(seq 30); do
		kill -0 $pid2 2>/dev/null || break
		sleep 0.1
	done
	kill -0 $pid2 2>/dev/null || R=done
	"$B/dtfsctl" release "$f" || fail "release $f"
	wait $pid || fail "the held write failed after release"
	wait $pid2 || fail "the second write failed"
	# both writes landed, the rest of the file is what it was
	cmp -s -n 4096 /dev/zero <(dd if="$f" bs=4096 skip=3 count=1 status=none) ||
		fail "first write not in $f"
	cmp -s -n 4096 /dev/zero <(dd if="$f" bs=4096 skip=100 count=1 status=none) ||
		fail "second write not in $f"
	umount_dtfs
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

second_write
[ $R = done ] || fail "a direct write waited for another of the same file"
pass "direct writes of one file run at once"
mount_dtfs -o cached_dio
grep -q 'O_DIRECT through the page cache (-o cached_dio)' "$log" ||
	fail "-o cached_dio not logged: $(grep O_DIRECT "$log" | tail -1)"
umount_dtfs
second_write -o cached_dio
[ $R = held ] || fail "-o cached_dio: a direct write did not wait for another"
pass "-o cached_dio: one direct write at a time"
fsck_clean
