# Full disk: the store on a 128 MiB tmpfs, filled by writes. ENOSPC
# reaches the writer; what was acknowledged before stays (the files
# written first and the acknowledged prefix of the file that hit the
# limit); the same daemon keeps serving reads, stats and deletes; space
# comes back after the deletes; fsck is clean; after a remount all is
# still there. Two fill-and-delete cycles. Then: a file fallocated as
# large as df says is available, less 512 KiB, fits (xfstests generic/103).
need dd cmp df
SMALL=$T/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=128m none "$SMALL" || skip "cannot mount a tmpfs"
# lib.sh's cleanup unmounts $MNT; the tmpfs goes after it
trap 'cleanup; umount -l "$SMALL" 2>/dev/null' EXIT
STORE=$SMALL/store
mount_dtfs
pid=$(daemon_pid)
[ -n "$pid" ] || fail "no daemon pid"

# what must survive: written before the disk filled
dd if=/dev/urandom of="$T/keep.src" bs=1M count=2 status=none
for i in 1 2 3; do
	cp "$T/keep.src" "$MNT/keep$i"
done
dd if=/dev/urandom of="$T/fill.src" bs=1M count=8 status=none
avail_kb() { df -Pk "$1" | awk 'NR == 2 {print $4}'; }
free0=$(avail_kb "$MNT")

fill() { # fill the mount with 8 MiB files; leave the last one's acked size
	local i=0 out
	while [ $i -lt 64 ]; do
		out=$(dd if="$T/fill.src" of="$MNT/fill$i" bs=64k 2>&1) || break
		i=$((i + 1))
	done
	[ $i -lt 64 ] || fail "64 x 8 MiB fitted on a 128 MiB disk"
	echo "$out" | grep -q "No space left on device" ||
		fail "writer did not get ENOSPC: $out"
	last=$i
	acked=$(echo "$out" | awk '/bytes/ {print $1; exit}')
	[ -n "$acked" ] || acked=0
	echo "cycle $1: $last files of 8 MiB, then ENOSPC after $acked bytes"
}

for cycle in 1 2; do
	fill $cycle
	full=$(avail_kb "$MNT")
	[ "$full" -lt 8192 ] || fail "df shows $full KiB free on a full dtfs"
	# the daemon is alive and serves reads, stats and lists
	[ "$(daemon_pid)" = "$pid" ] || fail "daemon died at ENOSPC"
	for i in 1 2 3; do
		cmp -s "$T/keep.src" "$MNT/keep$i" || fail "keep$i differs at full disk"
	done
	[ "$(stat -c %s "$MNT/fill$last")" -ge "$acked" ] ||
		fail "fill$last shorter than its acknowledged $acked bytes"
	cmp -s -n "$acked" "$T/fill.src" "$MNT/fill$last" ||
		fail "acknowledged prefix of fill$last differs"
	ls "$MNT" >/dev/null || fail "readdir at full disk"
	# new data is refused with ENOSPC, not EIO
	rc=0
	err=$( (dd if="$T/fill.src" of="$MNT/more" bs=1M count=8 conv=fsync) 2>&1) || rc=$?
	[ $rc -ne 0 ] || fail "8 MiB more fitted at full disk"
	echo "$err" | grep -q "No space left" || fail "full disk gave: $err"
	rm -f "$MNT/more" || fail "unlink of a partial file at full disk"
	# deletes work, and give the space back
	for f in "$MNT"/fill*; do
		rm "$f" || fail "rm $f at full disk"
	done
	# at least half of what was deleted, within 20 s
	want=$((full + (last * 8192 + acked / 1024) / 2))
	back=0
	for _ in $(seq 100); do
		back=$(avail_kb "$MNT")
		[ "$back" -ge $want ] && break
		sleep 0.2
	done
	[ "$back" -ge $want ] ||
		fail "space did not come back after the deletes: $full -> $back KiB"
	echo "cycle $cycle: full at $full KiB free, $back KiB after the deletes (empty: $free0)"
	dd if="$T/fill.src" of="$MNT/after$cycle" bs=1M status=none ||
		fail "write after the deletes"
	cmp -s "$T/fill.src" "$MNT/after$cycle" || fail "after$cycle differs"
done

umount_dtfs
fsck_clean
grep -E "Assertion|Sanitizer|runtime error" "$STORE/dtfs.log" &&
	fail "daemon log reports a crash"
mount_dtfs
for i in 1 2 3; do
	cmp -s "$T/keep.src" "$MNT/keep$i" || fail "keep$i differs after remount"
done
for cycle in 1 2; do
	cmp -s "$T/fill.src" "$MNT/after$cycle" || fail "after$cycle lost"
done
"$B/dtfs-log" check "$STORE/dirty.log" >"$T/check.out" 2>&1 ||
	fail "dirty log after a full disk: $(tail -2 "$T/check.out")"
rm -f "$MNT"/after*
sync "$MNT/keep1"
sleep 1
a=$(avail_kb "$MNT")
fallocate -l $((a - 512))K "$MNT/spc" ||
	fail "fallocate of df's available $a KiB less 512 KiB: ENOSPC"
rm -f "$MNT/spc"
umount_dtfs
fsck_clean
