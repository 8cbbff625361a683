# tracer=off: the log says write-notify is inferred and no violation is
# reported even for the pinned race; two mounts at once each log only
# their own pages; bad option values are refused.
mount_dtfs -o tracer=off
"$B/dt-mnt-helper" race "$MNT/src" "$MNT/dst" >/dev/null || fail "race helper"
"$B/dtfsctl" status "$MNT/dst" | grep -q "^tracer: off" || fail "status does not say tracer off"
umount_dtfs
"$B/dtfs-log" show "$STORE/dirty.log" | head -1 | grep -q "inferred" || fail "header does not say inferred"
"$B/dtfs-log" check "$STORE/dirty.log" >/dev/null || fail "violations reported without the tracer"

# two mounts
rm -rf "$STORE"
S2=$T/store2 M2=$T/mnt2
mkdir -p "$M2"
mount_dtfs -o tracer=on
"$B/dtfs" "$S2" "$M2" -o tracer=on || fail "second mount"
"$B/dt-mnt-helper" mmap "$MNT/one" || fail "mmap on 1"
"$B/dt-mnt-helper" mmap "$M2/two" || fail "mmap on 2"
p2=$(pgrep -f "^$B/dtfs $S2 " | head -1)
fusermount3 -u "$M2"
while kill -0 "$p2" 2>/dev/null; do sleep 0.1; done
umount_dtfs
"$B/dtfs-log" show "$STORE/dirty.log" > "$T/s1"
"$B/dtfs-log" show "$S2/dirty.log" > "$T/s2"
grep -qE "kernel +dirty +/one" "$T/s1" || fail "mount 1 misses its own dirtying"
grep -qE "kernel +dirty +/two" "$T/s2" || fail "mount 2 misses its own dirtying"
grep -q "/two" "$T/s1" && fail "mount 1 logged mount 2's file"
grep -q "/one" "$T/s2" && fail "mount 2 logged mount 1's file"
awk '$3 == "kernel" && $5 !~ /^\/(one|mm)/ {bad=1} END {exit bad}' "$T/s1" || fail "mount 1 logged foreign kernel events"

# bad option values: one-line error, exit 2
for o in tracer=maybe on_violation=panic release=never dirty_log_max=0; do
	out=$("$B/dtfs" "$T/store3" "$T/mnt2" -o "$o" 2>&1) && fail "-o $o accepted"
	[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "-o $o: not one line: $out"
done
