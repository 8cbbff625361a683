# A tree (files of random content, multi-chunk and sparse files, symlinks,
# hard links, xattrs, special files, odd modes and owners, set times) is
# identical after unmount and remount: find listing, sha256sums, xattrs,
# symlink targets; fsck is clean. Then changes made after the remount
# persist through a second one.
mount_dtfs
cd "$MNT"
mkdir -p a/b/c e "dir with space" deep/1/2/3/4/5/6/7/8
for i in $(seq 1 40); do head -c $((i * 3001)) /dev/urandom >"a/f$i"; done
head -c 300000 /dev/urandom >a/b/c/big
head -c 5000000 /dev/urandom >a/b/multi
: >a/empty
truncate -s 10M e/sparse
printf 'tail' | dd of=e/sparse bs=1 seek=5000000 conv=notrunc status=none
truncate -s 1G e/allhole
dd if=/dev/urandom of=e/holes bs=4k count=1 seek=100 status=none
dd if=/dev/urandom of=e/holes bs=4k count=3 seek=1000 status=none
truncate -s 123457 e/odd && head -c 70000 /dev/urandom | dd of=e/odd conv=notrunc status=none
echo spaced >"dir with space/file name"
ln -s ../a/f1 e/link
ln -s /nonexistent/target e/dangling
ln -s "$(head -c 4000 /dev/zero | tr '\0' x)" e/longlink
ln a/f2 e/hard
ln a/f2 a/b/hard2
mkfifo e/fifo
mknod e/chr c 1 3
mknod e/blk b 7 0
setfattr -n user.k -v value a/f3
setfattr -n user.bin -v 0x000102ff a/f3
setfattr -n user.d -v dirval a/b
setfattr -n trusted.t -v tv a/f5
head -c 3000 /dev/urandom | base64 -w0 >"$T/xv" && setfattr -n user.big -v "$(cat "$T/xv")" a/f6
chmod 0600 a/f4
chmod 4755 a/f7
chmod 1777 e
chown 1234:5678 a/f8
chown -h 99:98 e/link
touch -d '2001-02-03 04:05:06.123456789' a/f9
touch -h -d '2002-01-01 00:00:00' e/dangling
touch -d '2003-03-03 03:03:03' a/b
cd "$T"
snap() {
	(
		cd "$MNT" || exit 1
		find . -printf '%p %y %m %s %n %U %G %i %T@ %l\n' | sort
		find . -type f -exec sha256sum {} + | sort
		find . \( -type f -o -type d \) -print0 | sort -z |
			xargs -0 getfattr -h -d -m - -e hex 2>/dev/null
		stat -c '%n %t %T' e/chr e/blk
		du -s --block-size=512 e/sparse e/allhole e/holes a/b/multi
	)
}
snap >before
[ "$(grep -c '^# file' before)" -ge 4 ] || fail "xattrs not listed: $(grep -A3 '^# file' before)"
umount_dtfs
fsck_clean
mount_dtfs
snap >after
diff before after || fail "tree differs after remount"
# st_blocks: the 1 GiB hole has none, the sparse 10 MiB file few
[ "$(stat -c %b "$MNT/e/allhole")" = 0 ] || fail "all-hole file has $(stat -c %b "$MNT/e/allhole") blocks"
[ "$(stat -c %b "$MNT/e/sparse")" -le 512 ] || fail "sparse file has $(stat -c %b "$MNT/e/sparse") blocks"
# change things, remount again
cd "$MNT"
rm -rf a/b/c deep/1/2/3
mv a/f10 e/moved
echo appended >>a/f11
setfattr -x user.k a/f3
truncate -s 1000 a/b/multi
cd "$T"
snap >before2
umount_dtfs
fsck_clean
mount_dtfs
snap >after2
diff before2 after2 || fail "tree differs after second remount"
umount_dtfs
fsck_clean
