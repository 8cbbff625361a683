# The store's fast paths: whole-block writes prepared before the inode
# lock (4 O_DIRECT writers of one file, also into fallocated blocks, which
# go the locked path), what they wrote surviving kill -9 and a remount;
# unlink after a lookup (the name cache) of every kind of inode, one open
# while unlinked, and renames over names just looked up (the cache must
# not hand unlink a stale inode). fsck is clean after each part.
need fio
fio_job() { # NAME MODE [fio args...]: 4 jobs, 4 MiB each, of one file
	local name=$1 mode=$2
	shift 2
	fio --name="$name" --directory="$MNT" --filename=shared --size=4M \
		--offset_increment=4M --numjobs=4 --bs=4k --direct=1 \
		--ioengine=psync --rw=randwrite --randseed=42 \
		--verify=crc32c --verify_fatal=1 --verify_state_save=0 \
		"$mode" "$@" >"$T/$name.out" 2>&1 ||
		fail "fio $name $mode: $(grep -iE 'err|verify' "$T/$name.out" | head -5)"
}

mount_dtfs
# the second half of each job's region fallocated: unwritten blocks
for j in 0 1 2 3; do
	fallocate -o $((j * 4 + 2))M -l 2M "$MNT/shared"
done
fio_job w --do_verify=1
pid=$(daemon_pid)
kill -9 "$pid"
wait_gone "$pid"
umount -l "$MNT"
fsck_clean
mount_dtfs
fio_job w --verify_only
pass "4 O_DIRECT writers of one file, verified after kill -9 and remount"
umount_dtfs
fsck_clean

mount_dtfs
cd "$MNT"
printf x >inline
dd if=/dev/urandom of=data bs=64k count=3 status=none
: >xattr
setfattr -n user.k -v v xattr
ln -s data link
ln data hard
mkdir dir
: >empty
dd if=/dev/urandom of=open bs=64k count=1 status=none
exec 3<open
sum=$(md5sum <open)
stat inline data xattr link hard dir empty open shared >/dev/null
rm inline data xattr link hard empty open shared
rmdir dir
[ "$(md5sum <&3)" = "$sum" ] || fail "a file unlinked while open lost its data"
exec 3<&-
# rename over a name just looked up, then unlink it: the new inode goes
echo old >a
echo new >b
stat a >/dev/null
mv b a
[ "$(cat a)" = new ] || fail "rename over a looked-up name: $(cat a)"
stat a >/dev/null
rm a
[ -z "$(ls -A)" ] || fail "left after the unlinks: $(ls -A | tr '\n' ' ')"
cd /
umount_dtfs
fsck_clean
pass "unlink of every kind of inode after a lookup, and of a renamed name"
