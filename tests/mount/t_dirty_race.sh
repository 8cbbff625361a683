# The deterministic pinned-page race (gate a dtfs file, O_DIRECT read from
# it into a MAP_SHARED mapping of another dtfs file, msync while gated,
# release): root-cause violation with a bypass class, then the symptom at
# the next writeback; then each policy's effect.
L=$STORE/dirty.log

# warn: both violations logged, data stored
mount_dtfs
"$B/dt-mnt-helper" race "$MNT/src" "$MNT/dst" > "$T/race.out" || fail "race helper: $(cat "$T/race.out")"
umount_dtfs
"$B/dtfs-log" show "$L" > "$T/show"
root=$(grep -nE "VIOLATION-dirtied-without-write-notify +/dst" "$T/show" | head -1 | cut -d: -f1)
symp=$(grep -nE "VIOLATION-dirty-page-without-buffers +/dst" "$T/show" | head -1 | cut -d: -f1)
[ -n "$root" ] || fail "no root-cause violation: $(tail -20 "$T/show")"
[ -n "$symp" ] || fail "no symptom violation"
[ "$root" -lt "$symp" ] || fail "symptom before root cause"
# the symptom names the root cause's sequence number
rseq=$(grep -E "VIOLATION-dirtied-without-write-notify +/dst" "$T/show" | head -1 | awk '{print $1}')
grep -E "VIOLATION-dirty-page-without-buffers +/dst" "$T/show" | head -1 | grep -q "root-cause=#$rseq " ||
	fail "symptom does not name root cause #$rseq: $(grep VIOLATION "$T/show")"
grep -E "VIOLATION-dirtied-without-write-notify +/dst" "$T/show" | grep -q "class=fuse-dio-release" ||
	fail "root cause not classed fuse-dio-release: $(grep VIOLATION "$T/show")"
"$B/dtfs-log" check "$L" > "$T/check" && fail "check passed a log with violations"
grep -q "ROOT CAUSE" "$T/check" || fail "check does not explain the root cause"
grep -q "history of the page" "$T/check" || fail "check shows no page history"
# the pinned data reached the file (warn stores it)
mount_dtfs
[ "$(head -c 4 "$MNT/dst")" = "SSSS" ] || fail "pinned data lost under warn"
umount_dtfs

# eio: the writeback of the page without buffers is refused; the writer
# sees EIO at msync or fsync
rm -rf "$STORE"
mount_dtfs -o on_violation=eio
"$B/dt-mnt-helper" race "$MNT/src" "$MNT/dst" > "$T/race.out" || fail "race helper (eio)"
grep -qE "(msync after release|fsync): -1 \(Input/output error\)" "$T/race.out" ||
	fail "no EIO for the writer: $(cat "$T/race.out")"
umount_dtfs
"$B/dtfs-log" show -e refused "$L" | grep -q refused || fail "no refused record"

# abort: the daemon stops with a report; the mount answers ENOTCONN
rm -rf "$STORE"
mount_dtfs -o on_violation=abort
pid=$(daemon_pid)
"$B/dt-mnt-helper" race "$MNT/src" "$MNT/dst" > "$T/race.out" 2>&1 || true
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "daemon still running after abort"
out=$(ls "$MNT" 2>&1) && fail "mount still answers after abort: $out"
echo "$out" | grep -q "not connected" || fail "expected ENOTCONN, got: $out"
grep -q "ABORT (on_violation=abort)" "$STORE/dtfs.log" || fail "no abort report in the daemon log"
umount -l "$MNT"
"$B/dtfs-log" show -e abort "$L" | grep -q "abort " || fail "no abort record in the dirty log"
