# dtfs-pin: the whole matrix on a fresh mount, twice, with this kernel's
# verdicts asserted (and the same verdicts both times); --repeat of one
# scenario; the watchdog turning a held request into DEADLOCK; --mount on
# an existing mount; bad input; nothing left behind.
PIN=$B/dtfs-pin
export TMPDIR=$T

verdict() { # verdict OUTPUT NAME -> the verdict word of NAME's TAP line
	grep -F " $2 # " "$1" | grep -E '^(not )?ok [0-9]+ ' | head -1 | sed -E 's/[^#]* # ([A-Z_]+).*/\1/'
}

expect_verdict() { # FILE NAME VERDICT
	local v
	v=$(verdict "$1" "$2")
	[ "$v" = "$3" ] || fail "$2: verdict '$v', expected $3: $(grep -F " $2 # " "$1")"
}

for run in 1 2; do
	"$PIN" > "$T/pin$run.out" 2>&1 || fail "dtfs-pin run $run exited $?: $(grep -E '^not ok|#   expected|dtfs-pin:' "$T/pin$run.out" | head -10)"
	o=$T/pin$run.out
	grep -q "^TAP version 13" "$o" || fail "no TAP header"
	n=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$o")
	[ "$n" -ge 30 ] || fail "only $n scenarios"
	[ "$(grep -cE '^ok [0-9]+ ' "$o")" = "$n" ] || fail "not every scenario ok"
	grep -q "^# Totals: pass:$n fail:0" "$o" || fail "totals: $(grep Totals "$o")"
	grep -qE "^# method . cleaner +msync +fsync" "$o" || fail "no matrix"
	# the kernel's answers the issue names
	expect_verdict "$o" uring-fixed/register REFUSED
	grep -E " uring-fixed/register # " "$o" | grep -q "EFAULT" || fail "fixed buffers: not EFAULT"
	expect_verdict "$o" odirect-gated/msync DIRTY_WITHOUT_NOTIFY
	grep -E " odirect-gated/msync # " "$o" | grep -qE "root-cause seq [1-9][0-9]* class fuse-dio-release" ||
		fail "gated msync: no bypass class with a log sequence number"
	expect_verdict "$o" odirect-gated/evict LOST_WRITE
	for c in process_vm_writev/msync proc-pid-mem/msync; do
		expect_verdict "$o" $c SAFE
		grep -E " $c # " "$o" | grep -qE "write-notify [1-9]" || fail "$c: no write-notify in the evidence"
	done
	for c in write read dio-write dio-read; do
		expect_verdict "$o" selfref-same/$c SAFE
		expect_verdict "$o" selfref-other/$c SAFE
	done
	expect_verdict "$o" vmsplice/truncate STALE
	expect_verdict "$o" cow-private/fork+write SAFE
	expect_verdict "$o" odirect-ext/msync DIRTY_WITHOUT_NOTIFY
done
diff <(grep -oE '^(not )?ok [0-9]+ [^ ]+ # [A-Z_]+' "$T/pin1.out") \
	<(grep -oE '^(not )?ok [0-9]+ [^ ]+ # [A-Z_]+' "$T/pin2.out") > "$T/pin.diff" ||
	fail "verdicts differ between two runs: $(cat "$T/pin.diff")"
pass "matrix twice, same verdicts"

# --repeat: the same verdict every time
"$PIN" --run odirect-gated/evict --repeat 10 > "$T/rep.out" 2>&1 || fail "--repeat 10 exited $?"
[ "$(grep -cE '^ok [0-9]+ odirect-gated/evict \[[0-9]+/10\] # LOST_WRITE' "$T/rep.out")" = 10 ] ||
	fail "--repeat: not 10 x LOST_WRITE: $(grep -E 'ok' "$T/rep.out")"

# losses POSIX permits (a truncated or punched range) are marked apart
# from real ones (an eviction while pinned)
grep -qE "^ok [0-9]+ odirect-gated/truncate # LOST_WRITE \(permitted by POSIX\)" "$T/pin1.out" ||
	fail "truncate: loss not marked permitted"
grep -E "^ok [0-9]+ odirect-gated/evict # LOST_WRITE" "$T/pin1.out" | grep -q permitted &&
	fail "evict: a real loss marked permitted"
grep -qE "^# odirect-gated +DIRTY-NN +DIRTY-NN +SAFE +LOST +LOST\* +LOST\*" "$T/pin1.out" ||
	fail "matrix row: $(grep '^# odirect-gated' "$T/pin1.out")"
# every row says what its verdict means
"$PIN" --list > "$T/list"
[ "$(grep -c "   means: " "$T/list")" = "$(grep -vc "   means: " "$T/list")" ] || fail "--list: a row without its meaning"

# JSON carries the evidence; the symptom names its root cause, logged
# before it
"$PIN" --json --run odirect-gated/msync > "$T/j.out" 2>&1 || fail "--json exited $?"
grep -q '"verdict":"DIRTY_WITHOUT_NOTIFY"' "$T/j.out" || fail "json: verdict"
grep -qE '"root_cause_seq":[1-9]' "$T/j.out" || fail "json: no root-cause seq"
grep -q '"root_cause_class":"fuse-dio-release"' "$T/j.out" || fail "json: class"

# the racy O_DIRECT race, 20 times: every detection has a classified root
# cause, logged before the symptom that names it
need python3
"$PIN" --json --run odirect-ext/msync odirect-ext/fsync --repeat 10 > "$T/race.json" 2>&1 ||
	fail "racy runs: $(grep -o '"verdict":"[A-Z_]*"' "$T/race.json" | sort | uniq -c)"
python3 - "$T/race.json" <<'PY' || fail "ordering"
import json, sys
r = json.load(open(sys.argv[1]))["results"]
bad = [x for x in r if x["verdict"] != "DIRTY_WITHOUT_NOTIFY" or
       x["evidence"]["root_cause_class"] in ("", "-", "other") or
       not 0 < x["evidence"]["symptom_root_cause_seq"] < x["evidence"]["symptom_seq"]]
for x in bad:
    print("out of order or unclassified:", x["name"], x["run"], x["verdict"], x["evidence"])
print(len(r), "racy runs,", len(bad), "bad")
sys.exit(1 if bad or len(r) != 20 else 0)
PY

# an expectation that does not hold is "not ok" and exit 1
echo "odirect-gated/msync SAFE" > "$T/exp"
"$PIN" --expect "$T/exp" --run odirect-gated/msync > "$T/x.out" 2>&1 && fail "a wrong expectation passed"
grep -q "^not ok 1 odirect-gated/msync # DIRTY_WITHOUT_NOTIFY" "$T/x.out" || fail "no 'not ok' line"
grep -q "#   expected SAFE" "$T/x.out" || fail "the expected verdict is not shown"

# the watchdog: a READ held forever becomes DEADLOCK; the next scenario
# runs on a fresh mount
"$PIN" --timeout 3 --run watchdog/held-forever cow-private/fork > "$T/w.out" 2>&1 || fail "watchdog run exited $?: $(cat "$T/w.out")"
expect_verdict "$T/w.out" watchdog/held-forever DEADLOCK
expect_verdict "$T/w.out" cow-private/fork SAFE
pass "watchdog"

# bad input: one line, exit 2
for args in "--repeat 0" "--run no-such-scenario" "--mount $T" "--timeout x" "stray"; do
	set +e
	"$PIN" $args > "$T/bad.out" 2>&1
	rc=$?
	set -e
	[ $rc = 2 ] || fail "dtfs-pin $args: exit $rc, expected 2"
	[ "$(wc -l < "$T/bad.out")" = 1 ] || fail "dtfs-pin $args: not one line: $(cat "$T/bad.out")"
done
echo "nope VERDICT" > "$T/bad.exp"
set +e
"$PIN" --expect "$T/bad.exp" > "$T/bad.out" 2>&1
rc=$?
set -e
[ $rc = 2 ] && grep -q "no scenario named nope" "$T/bad.out" || fail "bad --expect: exit $rc $(cat "$T/bad.out")"

# --mount: a dtfs mounted by hand; the tool's directory is removed after
mount_dtfs -o tracer=on
"$PIN" --mount "$MNT" --run 'vmsplice/*' odirect-gated/msync > "$T/m.out" 2>&1 || fail "--mount exited $?: $(cat "$T/m.out")"
grep -q "# dirty log: $STORE/dirty.log" "$T/m.out" || fail "--mount: dirty log not found from the mount source"
expect_verdict "$T/m.out" odirect-gated/msync DIRTY_WITHOUT_NOTIFY
[ -z "$(ls -A "$MNT")" ] || fail "--mount left files: $(ls -A "$MNT")"
"$B/dtfs-log" show --event mark "$STORE/dirty.log" | grep -q "odirect-gated/msync run 1 begin" ||
	fail "no scenario marks in the dirty log"
umount_dtfs

# SIGINT in the middle: exit 130, nothing left mounted or on disk
"$PIN" --repeat 10000 --run 'odirect-gated/*' > "$T/int.out" 2>&1 &
pid=$!
sleep 2
kill -INT $pid
set +e
wait $pid
rc=$?
set -e
[ $rc = 130 ] || fail "SIGINT: exit $rc"
# nothing left behind by any of the runs above
grep -q "$T/dtfs-pin" /proc/mounts && fail "a dtfs-pin mount is left: $(grep "$T/dtfs-pin" /proc/mounts)"
ls -d "$T"/dtfs-pin.* 2>/dev/null && fail "temp dirs left behind"
pass "dtfs-pin"
