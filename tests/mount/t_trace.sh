# dtfs-trace: the tracer as an observer of an ext4 mount (a loop device).
# An honest shared-mmap workload gives a log dtfs-log check passes, with
# one write-notify dirtying per page written after each msync; the
# O_DIRECT-vs-msync race gives root causes of class dio-bio-completion and
# symptoms naming them; the dtfs-log commands read its logs; SIGINT ends
# a run without a command; bad input.
TRACE=$B/dtfs-trace
LOG=$B/dtfs-log
need mkfs.ext4 losetup python3

E=$T/ext4
mkdir -p "$E"
truncate -s 256M "$T/img"
mkfs.ext4 -q -F "$T/img" || fail "mkfs.ext4"
LOOP=$(losetup -f --show "$T/img") || fail "losetup"
trap 'umount "$E" 2>/dev/null; losetup -d "$LOOP" 2>/dev/null' EXIT
mount "$LOOP" "$E" || fail "mount $LOOP"

# 8 pages, 3 rounds: a store into each page, then msync
cat > "$T/mm.py" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
os.ftruncate(fd, 8 * 4096)
m = mmap.mmap(fd, 8 * 4096)
for r in range(3):
    for pg in range(8):
        m[pg * 4096] = 65 + r
    m.flush()
m.close()
os.close(fd)
PY
"$TRACE" -o "$T/honest.log" "$E" -- python3 "$T/mm.py" "$E/f" 2> "$T/honest.err" || fail "dtfs-trace exited $?: $(cat "$T/honest.err")"
"$LOG" check "$T/honest.log" > "$T/check.out" || fail "check of an honest workload: $(head -20 "$T/check.out")"
grep -q " 0 violations found on replay, 0 logged live" "$T/check.out" || fail "check: $(cat "$T/check.out")"
"$LOG" json "$T/honest.log" > "$T/honest.json" || fail "dtfs-log json"
python3 - "$T/honest.json" <<'PY' || fail "write-notify per page"
import json, sys, collections
recs = [json.loads(l) for l in open(sys.argv[1])]
per = collections.Counter()
wb = collections.Counter()
for r in recs:
    if r["file"] != "/f":
        continue
    for p in range(r["first"], r["last"] + 1):
        if r["event"] == "dirty":
            assert r["class"] == "write-notify", r
            per[p] += 1
        if r["event"] == "writepage":
            assert r["source"] == "kernel", r
            wb[p] += 1
assert sorted(per) == list(range(8)) and set(per.values()) == {3}, per
assert sorted(wb) == list(range(8)) and min(wb.values()) >= 3, wb
print("8 pages x 3 rounds: one write-notify dirtying each, written back each time")
PY
grep -q "24 dirtyings (24 write-notify, 0 bypass)" "$T/honest.err" || fail "summary: $(cat "$T/honest.err")"
"$LOG" show "$T/honest.log" | head -1 | grep -q "written by dtfs-trace" || fail "show: no observer header"
pass "honest mmap workload"

# the O_DIRECT-vs-msync race
cat > "$T/race.py" <<'PY'
import mmap, os, sys, threading, time
d = sys.argv[1]
src = os.open(d + "/src", os.O_RDWR | os.O_CREAT, 0o644)
os.write(src, b"S" * 65536)
os.fsync(src)
os.close(src)
src = os.open(d + "/src", os.O_RDONLY | os.O_DIRECT)
fd = os.open(d + "/dst", os.O_RDWR | os.O_CREAT, 0o644)
os.ftruncate(fd, 4096)
m = mmap.mmap(fd, 4096)
m[0] = 68
m.flush()
stop = False
def cleaner():
    while not stop:
        m.flush()
t = threading.Thread(target=cleaner)
t.start()
t0 = time.time()
mv = memoryview(m)
while time.time() - t0 < 2:
    os.preadv(src, [mv], 0)
stop = True
t.join()
PY
"$TRACE" -q -o "$T/race.log" "$E" -- python3 "$T/race.py" "$E" || fail "dtfs-trace race exited $?"
set +e
"$LOG" check "$T/race.log" > "$T/rcheck.out"
rc=$?
set -e
[ $rc = 1 ] || fail "check of the race: exit $rc: $(head -5 "$T/rcheck.out")"
grep -q "^ROOT CAUSE (dirtied without write-notify) at #[0-9]*: /dst page 0: .*(dio-bio-completion)" "$T/rcheck.out" ||
	fail "no dio-bio-completion root cause on /dst: $(head -20 "$T/rcheck.out")"
"$LOG" json "$T/race.log" > "$T/race.json"
python3 - "$T/race.json" <<'PY' || fail "race records"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
roots = {r["seq"]: r for r in recs if r["event"] == "VIOLATION-dirtied-without-write-notify"}
syms = [r for r in recs if r["event"] == "VIOLATION-dirty-page-without-buffers"]
assert roots and syms, (len(roots), len(syms))
# the bio's completion re-dirties what msync cleaned; its submission may
# dirty a page msync has just cleaned too (bio_set_pages_dirty)
classes = set(r["class"] for r in roots.values())
assert "dio-bio-completion" in classes and classes <= {"dio-bio-completion", "dio-submit"}, classes
assert all(r["file"] == "/dst" for r in roots.values())
assert all(s["aux"] in roots and s["aux"] < s["seq"] for s in syms), "a symptom not naming an earlier root cause"
print(len(roots), "root causes", sorted(classes), len(syms), "symptoms naming them")
PY
"$LOG" stats "$T/race.log" | grep -qE "dio-bio-completion +[1-9]" || fail "stats: no dio-bio-completion"
"$LOG" timeline /dst "$T/race.log" -o "$T/race.svg" || fail "timeline"
grep -q "<svg" "$T/race.svg" || fail "timeline: no SVG"
set +e
"$LOG" diff "$T/honest.log" "$T/race.log" > /dev/null
rc=$?
set -e
[ $rc = 1 ] || fail "diff of two different logs: exit $rc"
pass "O_DIRECT vs msync race"

# without a command: until SIGINT
"$TRACE" -q -o "$T/int.log" "$E" &
pid=$!
sleep 1
echo hello > "$E/g"
sync
kill -INT $pid
set +e
wait $pid
rc=$?
set -e
[ $rc = 0 ] || fail "SIGINT: exit $rc"
"$LOG" show --file /g "$T/int.log" | grep -q "write-begin" || fail "SIGINT run: no write-begin dirtying of /g: $("$LOG" show "$T/int.log" | tail -5)"
"$LOG" show --file /g "$T/int.log" | grep -q "kernel writepage" || fail "SIGINT run: no writeback of /g"

# the command's exit status is dtfs-trace's
set +e
"$TRACE" -q -o "$T/x.log" "$E" -- sh -c 'exit 3'
rc=$?
set -e
[ $rc = 3 ] || fail "exit status of the command: $rc"

# bad input: one line, exit 2
for args in "" "$T/nonexistent" "--nope $E" "$E stray"; do
	set +e
	"$TRACE" $args > "$T/bad.out" 2>&1
	rc=$?
	set -e
	[ $rc = 2 ] || fail "dtfs-trace $args: exit $rc, expected 2"
	[ "$(wc -l < "$T/bad.out")" = 1 ] || fail "dtfs-trace $args: not one line: $(cat "$T/bad.out")"
done
pass "dtfs-trace"
