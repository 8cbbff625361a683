# Kernels without some tracepoints (Linux 6.1 has no filemap:mm_filemap_fault
# nor mm_filemap_map_pages): the tracer loads the others and says in one
# line, on stderr at mount and in the dirty log (header and mount record),
# which are missing and what is then inferred, and keeps working: write-
# notify is observed, the pinned-page race is caught with its class, no
# fault record is logged. Without writeback_dirty_folio it cannot observe
# write-notify: tracer=on refuses to mount, auto mounts with it off.
# (DTFS_TRACER_PRETEND_MISSING takes, on this kernel, the path of those.)
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF: the tracer cannot load"
DTFS_TRACER_PRETEND_MISSING=12 "$B/dtfs" "$STORE" "$MNT" -o tracer=on 2>"$T/err" || fail "mount: $(cat "$T/err")"
"$B/dt-mnt-helper" mmap "$MNT/m" >/dev/null || fail "mmap helper"
"$B/dt-mnt-helper" race "$MNT/src" "$MNT/dst" >/dev/null || fail "race helper"
"$B/dtfsctl" status "$MNT/m" | grep -q "^tracepoints missing: 0xc" || fail "status: $("$B/dtfsctl" status "$MNT/m" | head -3)"
umount_dtfs
line="the kernel has no filemap/mm_filemap_fault filemap/mm_filemap_map_pages: write-notify is still observed; faults are not logged; fault-around is not logged"
[ "$(cat "$T/err")" = "dtfs: tracer: $line" ] || fail "not one line on stderr: $(cat "$T/err")"
L=$STORE/dirty.log
"$B/dtfs-log" show "$L" >"$T/show"
head -1 "$T/show" | grep -qF "tracer on (write-notify observed); $line" || fail "header: $(head -1 "$T/show")"
grep -E " mount " "$T/show" | grep -qF "tracer=on; $line" || fail "mount record: $(grep ' mount ' "$T/show")"
grep -qE "kernel +dirty +/m .*class=write-notify" "$T/show" || fail "write-notify not observed"
grep -qE "kernel +(fault|map-pages) " "$T/show" && fail "fault records though their tracepoints are missing"
grep -E "VIOLATION-dirtied-without-write-notify +/dst" "$T/show" | grep -q "class=fuse-dio-release" ||
	fail "race not caught: $(grep VIOLATION "$T/show" | head -3)"
"$B/dtfs-log" check "$L" >"$T/check" && fail "check passed the race"
grep -q "ROOT CAUSE" "$T/check" || fail "check: $(head -5 "$T/check")"
pass "fault tracepoints missing"

# page-cache tracepoints missing: residency inferred from reads
rm -rf "$STORE"
DTFS_TRACER_PRETEND_MISSING=2 "$B/dtfs" "$STORE" "$MNT" -o tracer=on 2>"$T/err" || fail "mount: $(cat "$T/err")"
echo hello >"$MNT/w"
cat "$MNT/w" >/dev/null
"$B/dtfsctl" evict "$MNT/w"
cat "$MNT/w" >/dev/null
"$B/dtfsctl" status "$MNT/w" | grep -q resident || fail "residency not inferred from the read"
umount_dtfs
[ "$(cat "$T/err")" = "dtfs: tracer: the kernel has no filemap/mm_filemap_add_to_page_cache filemap/mm_filemap_delete_from_page_cache: write-notify is still observed; residency is inferred from reads" ] ||
	fail "notice: $(cat "$T/err")"
"$B/dtfs-log" show "$STORE/dirty.log" | grep -qE "kernel +cache-(add|del)" && fail "cache records without their tracepoints"
"$B/dtfs-log" check "$STORE/dirty.log" >/dev/null || fail "check of an honest run"

# no writeback_dirty_folio: no tracer
rm -rf "$STORE"
rc=0
out=$(DTFS_TRACER_PRETEND_MISSING=1 "$B/dtfs" "$STORE" "$MNT" -o tracer=on 2>&1) || rc=$?
[ $rc = 1 ] || fail "tracer=on without writeback_dirty_folio: exit $rc: $out"
echo "$out" | grep -q "^dtfs: tracer=on but it cannot load: the kernel has no writeback/writeback_dirty_folio: write-notify cannot be observed" ||
	fail "message: $out"
! mountpoint -q "$MNT" || fail "mounted"
DTFS_TRACER_PRETEND_MISSING=1 mount_dtfs
"$B/dtfsctl" status "$MNT" | grep -q "^tracer: off" || fail "auto: tracer not off"
umount_dtfs
"$B/dtfs-log" show "$STORE/dirty.log" | head -1 | grep -q "inferred" || fail "header does not say inferred"
