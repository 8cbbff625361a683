# No false positives: fio verify jobs (psync, mmap, libaio O_DIRECT) and a
# random workload of mmap stores, write(), truncate and punch report zero
# violations; the same workload twice gives dtfs-log diff exit 0; the
# O_DIRECT-from-another-filesystem race makes check fail with a bypass class.
mount_dtfs -o tracer=on
"$B/dt-mnt-helper" workload "$MNT" 7 || fail "workload"
for job in "--ioengine=psync" "--ioengine=mmap" "--ioengine=libaio --direct=1 --iodepth=8"; do
	# shellcheck disable=SC2086
	fio --name=v --directory="$MNT" --size=16M --bs=4k --rw=randwrite \
		--verify=crc32c --verify_fatal=1 $job --output="$T/fio.out" >/dev/null 2>&1 ||
		fail "fio $job: $(tail -3 "$T/fio.out")"
	rm -f "$MNT"/v.*
done
umount_dtfs
"$B/dtfs-log" check "$STORE/dirty.log" > "$T/check" || fail "violations: $(head -20 "$T/check")"

# the same workload twice: same per-page event sequences
for run in 1 2; do
	rm -rf "$STORE"
	mount_dtfs -o tracer=on
	"$B/dt-mnt-helper" workload "$MNT" 11 || fail "workload run $run"
	umount_dtfs
	cp "$STORE/dirty.log" "$T/run$run.log"
done
"$B/dtfs-log" diff "$T/run1.log" "$T/run2.log" > "$T/diff" || fail "diff of two identical runs: $(tail -20 "$T/diff")"
# and a different seed differs
rm -rf "$STORE"
mount_dtfs -o tracer=on
"$B/dt-mnt-helper" workload "$MNT" 12 || fail "workload seed 12"
umount_dtfs
"$B/dtfs-log" diff "$T/run1.log" "$STORE/dirty.log" > "$T/diff2" && fail "diff saw no difference between seeds"

# O_DIRECT reads from another filesystem into a dtfs mapping vs msync
rm -rf "$STORE"
mount_dtfs -o tracer=on
"$B/dt-mnt-helper" dio-race "$T/ext.file" "$MNT/dst" 3 || fail "dio-race"
umount_dtfs
"$B/dtfs-log" check "$STORE/dirty.log" > "$T/check" && fail "check passed the O_DIRECT race"
# check details only the first violations, and the very first one can be a
# symptom whose dirtying record the tracer delivered late (the tracepoint
# fires after the folio is marked dirty, so a racing writepage can get
# there first); the root-cause records with their class are in the log
"$B/dtfs-log" show --event VIOLATION-dirtied-without-write-notify "$STORE/dirty.log" > "$T/roots"
grep -qE "class=(dio-bio-completion|dio-submit)" "$T/roots" ||
	fail "no dio bypass class: $(head -5 "$T/check"; head -3 "$T/roots")"
