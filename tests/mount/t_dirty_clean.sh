# No false positives: fio verify jobs (psync, mmap, libaio O_DIRECT) and a
# random workload of mmap stores, write(), truncate and punch report zero
# violations; the same workload twice gives dtfs-log diff exit 0; the
# O_DIRECT-from-another-filesystem race makes check fail with a bypass class,
# every symptom after the root cause it names.
need python3
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
# every symptom names its root cause, logged before it with a dio bypass
# class (dtfs(7), ORDER)
"$B/dtfs-log" json "$STORE/dirty.log" > "$T/json"
python3 - "$T/json" <<'PY' || fail "order of root causes and symptoms"
import json, sys
roots, nsym = {}, 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event"] == "VIOLATION-dirtied-without-write-notify":
        roots[r["seq"]] = r["class"]
    elif r["event"] == "VIOLATION-dirty-page-without-buffers":
        nsym += 1
        if r["aux"] not in roots:
            sys.exit("symptom #%d names #%d, not an earlier root cause" % (r["seq"], r["aux"]))
        if roots[r["aux"]] not in ("dio-bio-completion", "dio-submit"):
            sys.exit("root cause #%d has class %s" % (r["aux"], roots[r["aux"]]))
print(len(roots), "root causes,", nsym, "symptoms")
sys.exit(0 if roots and nsym else "no violation")
PY
