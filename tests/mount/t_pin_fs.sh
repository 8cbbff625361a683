# dtfs-pin --fs: the matrix on an ext4 instance (loop device) and on tmpfs,
# with the observer's evidence (the O_DIRECT races' bypass class), the data
# checked after a remount, a kernel warning turned into KERNEL_WARN, the
# JSON's "fs", bad input, and nothing left behind (mounts, loop devices).
PIN=$B/dtfs-pin
export TMPDIR=$T
need mkfs.ext4 losetup python3

verdict() { # verdict OUTPUT NAME -> the verdict word of NAME's TAP line
	grep -F " $2 # " "$1" | grep -E '^(not )?ok [0-9]+ ' | head -1 | sed -E 's/[^#]* # ([A-Z_]+).*/\1/'
}

expect_verdict() { # FILE NAME VERDICT
	local v
	v=$(verdict "$1" "$2")
	[ "$v" = "$3" ] || fail "$2: verdict '$v', expected $3: $(grep -F " $2 # " "$1")"
}

o=$T/fs.out
"$PIN" --fs ext4,tmpfs > "$o" 2>&1 || fail "dtfs-pin --fs ext4,tmpfs exited $?: $(grep -E '^not ok|#   expected|dtfs-pin:' "$o" | head -10)"
n=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$o")
[ "$n" -ge 30 ] || fail "only $n scenarios"
grep -q "^# Totals: pass:$n fail:0" "$o" || fail "totals: $(grep Totals "$o")"
# dtfs-only rows (the gate, dtfs's eviction) do not run elsewhere
grep -qE '^(not )?ok [0-9]+ [a-z0-9]+:odirect-gated/' "$o" && fail "a gated row ran on another filesystem"
grep -qE '^(not )?ok [0-9]+ odirect-ext' "$o" && fail "a TAP name without its filesystem"
grep -qE '^# scenario . filesystem +ext4 +tmpfs' "$o" || fail "no filesystem x scenario matrix"
# on ext4 the block layer's DIO completion (or its submission,
# bio_set_pages_dirty) re-dirties what msync and fsync cleaned: the
# observer's bypass class, logged before the symptom
for c in msync fsync; do
	expect_verdict "$o" ext4:odirect-ext/$c DIRTY_WITHOUT_NOTIFY
	grep -F " ext4:odirect-ext/$c # " "$o" | grep -qE "root-cause seq [1-9][0-9]* class dio-(bio-completion|submit), symptom seq [0-9]+ naming #[1-9]" ||
		fail "ext4 $c: no DIO bypass root cause: $(grep -F " ext4:odirect-ext/$c # " "$o")"
done
expect_verdict "$o" ext4:uring-fixed/register REFUSED
# tmpfs tracks no dirty pages: the long-term pin is allowed
expect_verdict "$o" tmpfs:uring-fixed/register SAFE
expect_verdict "$o" tmpfs:odirect-ext/msync SAFE
for c in process_vm_writev/msync proc-pid-mem/msync; do
	expect_verdict "$o" ext4:$c SAFE
	grep -F " ext4:$c # " "$o" | grep -qE "write-notify [1-9]" || fail "ext4 $c: no write-notify from the observer"
done
expect_verdict "$o" ext4:vmsplice/truncate STALE
expect_verdict "$o" ext4:selfref-same/dio-read SAFE
grep -F " ext4:selfref-other/write # " "$o" | grep -q "checked after remount" || fail "ext4: data not checked after a remount"
pass "ext4 and tmpfs matrix"

# JSON: every result carries its filesystem
"$PIN" --json --fs ext4 --run odirect-ext/msync > "$T/j.out" 2>&1 || fail "--json exited $?: $(cat "$T/j.out")"
python3 - "$T/j.out" <<'PY' || fail "json"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"]
assert d["filesystems"] == "ext4", d["filesystems"]
assert len(r) == 1 and r[0]["fs"] == "ext4", r
assert r[0]["evidence"]["root_cause_class"] in ("dio-bio-completion", "dio-submit"), r[0]
PY

# a kernel warning during a scenario is its verdict, with the line
( sleep 1; echo "WARNING: dtfs-pin t_pin_fs injected warning" > /dev/kmsg ) &
"$PIN" --fs tmpfs --race-time 3 --run odirect-ext/pageout > "$T/k.out" 2>&1 && fail "a kernel warning passed"
wait
expect_verdict "$T/k.out" tmpfs:odirect-ext/pageout KERNEL_WARN
grep -q "t_pin_fs injected warning" "$T/k.out" || fail "KERNEL_WARN without the line: $(cat "$T/k.out")"
pass "kmsg"

# a racy row repeated: the rate, never a flaky failure
"$PIN" --fs ext4 --repeat 3 --run odirect-ext/msync > "$T/r.out" 2>&1 || fail "--repeat 3: $(grep -E 'not ok|expected' "$T/r.out")"
[ "$(grep -cE '^ok [0-9]+ ext4:odirect-ext/msync \[[0-9]/3\]' "$T/r.out")" = 3 ] || fail "--repeat: $(cat "$T/r.out")"

# bad input: one line, exit 2
for args in "--fs nofs" "--fs ext4,ext4" "--fs ext4 --mount $T" "--fs ext4 --kernel 6.1"; do
	set +e
	"$PIN" $args > "$T/bad.out" 2>&1
	rc=$?
	set -e
	[ $rc = 2 ] || fail "dtfs-pin $args: exit $rc, expected 2"
	[ "$(wc -l < "$T/bad.out")" = 1 ] || fail "dtfs-pin $args: not one line: $(cat "$T/bad.out")"
done

# nothing left behind
grep -q "$T/dtfs-pin" /proc/mounts && fail "a mount is left: $(grep "$T/dtfs-pin" /proc/mounts)"
losetup -a | grep -q "$T/dtfs-pin" && fail "a loop device is left: $(losetup -a | grep "$T/")"
ls -d "$T"/dtfs-pin.* 2>/dev/null && fail "temp dirs left behind"
pass "dtfs-pin --fs"
