# fio verify jobs (crc32c): psync with mixed block sizes and two jobs at
# once, mmap, libaio with O_DIRECT; then after a remount the psync files
# verify again (--verify_only). Exit 0, err=0 and no verify error each.
need fio
mount_dtfs
runfio() {
	local name=$1
	shift
	local rc=0
	fio --name="$name" --directory="$MNT" --verify=crc32c --verify_fatal=1 \
		--output="$T/$name.out" "$@" >/dev/null 2>&1 || rc=$?
	[ $rc -eq 0 ] || fail "fio $name exit $rc: $(tail -8 "$T/$name.out")"
	if grep -iE 'verify.*(fail|bad|mismatch)|bad magic|err= *[1-9]' "$T/$name.out"; then
		fail "fio $name reported verify errors"
	fi
	grep -q "err= 0" "$T/$name.out" || fail "fio $name: no err= 0 line: $(tail -8 "$T/$name.out")"
	echo "fio $name ok"
}
psync=(--ioengine=psync --rw=randwrite --size=16M --bsrange=1k-64k --numjobs=2 --randseed=42)
runfio psync "${psync[@]}"
runfio mmap --ioengine=mmap --rw=randwrite --size=32M --bs=4k
rm -f "$MNT"/mmap.*
runfio aio --ioengine=libaio --direct=1 --iodepth=8 --rw=randwrite --size=32M --bsrange=4k-64k --bs_unaligned=0
rm -f "$MNT"/aio.*
runfio seq --ioengine=psync --rw=write --size=32M --bs=1M
rm -f "$MNT"/seq.*
umount_dtfs
fsck_clean
mount_dtfs
runfio psync "${psync[@]}" --verify_only
umount_dtfs
fsck_clean
