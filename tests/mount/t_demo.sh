# make demo (tests/demo.sh): every step shows its key lines, stdout only
# and no tool noise; the dirty log and the timeline SVG are kept and
# well-formed; the mount, the daemon and the temporary store are gone
# afterwards; and the same after a SIGINT in the middle (exit 130).
need fio
export TMPDIR=$T
DEMO=$HERE/../demo.sh
OUT=$T/out

rc=0
"$DEMO" "$B" "$OUT" >"$T/demo.out" 2>"$T/demo.err" || rc=$?
[ $rc -eq 0 ] || fail "demo exit $rc: $(tail -n 8 "$T/demo.err" "$T/demo.out")"
[ ! -s "$T/demo.err" ] || fail "demo wrote to stderr: $(head -n 5 "$T/demo.err")"
o=$T/demo.out

# section N: the lines from heading "== N." to the next heading
section() { awk -v h="== $1" 'index($0, h) == 1 { on = 1; next } /^== / { on = 0 } on' "$o"; }

for h in "== 1." "== 2." "== 3." "== 4." "== 5." "== 6." "== Done"; do
	grep -q "^$h" "$o" || fail "no heading '$h'"
done
section 1. | grep -q "^ *tracer: on" || fail "step 1: tracer not on: $(section 1.)"
section 2. | grep -q "write-begin" || fail "step 2: no write-begin line"
section 2. | grep -q "write-notify" || fail "step 2: no write-notify line"
section 2. | grep -q "VIOLATION" && fail "step 2: the honest workload has a violation"
s3=$(section 3.)
root=$(grep -n "VIOLATION-dirtied-without-write-notify" <<<"$s3" | head -n 1 | cut -d: -f1)
symp=$(grep -n "VIOLATION-dirty-page-without-buffers" <<<"$s3" | head -n 1 | cut -d: -f1)
[ -n "$root" ] || fail "step 3: no root cause"
[ -n "$symp" ] || fail "step 3: no symptom"
[ "$root" -lt "$symp" ] || fail "step 3: symptom before the root cause"
grep "VIOLATION-dirtied-without-write-notify" <<<"$s3" | grep -q "class=" ||
	fail "step 3: root cause without a class"
section 4. | grep -q "ROOT CAUSE" || fail "step 4: dtfs-log check names no root cause"
section 6. | grep -qi "totals:" || fail "step 6: no dtfs-pin summary line"
grep -q "^Kept in $OUT" "$o" || fail "the demo does not name $OUT at the end"
# no tool noise: no bare numbers, no fio report, no getfattr/tar chatter
grep -nE '^ *[0-9]+$|IOPS=|Run status|Removing leading' "$o" &&
	fail "tool noise in the demo's output"
pass "steps, key lines, no noise"

# the kept files
[ -s "$OUT/dirty.log" ] || fail "no dirty log in $OUT"
"$B/dtfs-log" show "$OUT/dirty.log" >"$T/show" 2>"$T/show.err" ||
	fail "dtfs-log show of the kept log: $(cat "$T/show.err")"
[ ! -s "$T/show.err" ] || fail "the kept log is damaged or torn: $(cat "$T/show.err")"
c=0
"$B/dtfs-log" check "$OUT/dirty.log" >"$T/check" 2>&1 || c=$?
[ $c -eq 1 ] || fail "dtfs-log check of the kept log: exit $c, expected 1"
svg=$OUT/race-dst.svg
[ -s "$svg" ] || fail "no timeline SVG in $OUT"
head -n 1 "$svg" | grep -q '^<svg ' || fail "the SVG does not start with <svg"
[ "$(tail -n 1 "$svg")" = "</svg>" ] || fail "the SVG does not end with </svg>"
grep -q "/race/dst" "$svg" || fail "the SVG is not the timeline of /race/dst"
if command -v xmllint >/dev/null; then
	xmllint --noout "$svg" 2>"$T/xml.err" || fail "the SVG does not parse: $(head -n 3 "$T/xml.err")"
fi
[ -s "$OUT/dtfs-pin.txt" ] || fail "no dtfs-pin output in $OUT"
pass "dirty log, SVG$(command -v xmllint >/dev/null && echo " (xmllint)") and dtfs-pin output kept"

left() { # what a demo left under $T: mounts, temporary dirs, daemons
	awk -v t="$T/" 'index($2, t) == 1 {print "mount " $2}' /proc/mounts
	ls -d "$T"/dtfs-demo-run.* "$T"/dtfs-pin.* 2>/dev/null || true
	pgrep -af -- "$T/dtfs-demo-run" || true
}
[ -z "$(left)" ] || fail "left behind: $(left)"

# SIGINT as a Ctrl-C sends it to the whole foreground process group: in
# the race (a READ may be held by the gate) and in dtfs-pin (a mount of
# its own). Exit 130, nothing left behind, the output dir kept.
interrupt_at() { # HEADING OUTDIR
	local p pg rc=0
	setsid env --default-signal=INT "$DEMO" "$B" "$2" >"$T/int.out" 2>"$T/int.err" &
	p=$!
	for _ in $(seq 1200); do
		grep -q "^$1" "$T/int.out" && break
		kill -0 $p 2>/dev/null || break
		sleep 0.05
	done
	grep -q "^$1" "$T/int.out" || fail "the demo did not reach '$1': $(tail -n 5 "$T/int.out" "$T/int.err")"
	pg=$(ps -o pgid= -p $p | tr -d ' ')
	[ "$pg" = "$p" ] || fail "setsid did not make the demo a group leader ($pg)"
	kill -INT -- -"$pg"
	wait $p || rc=$?
	[ $rc -eq 130 ] || fail "demo interrupted at '$1': exit $rc, expected 130: $(tail -n 5 "$T/int.err")"
	grep -q "stopped" "$T/int.err" ||
		fail "the demo interrupted at '$1' does not say it stopped: $(tail -n 5 "$T/int.err" | tr '\n' '|')"
	[ -z "$(left)" ] || fail "left behind after SIGINT at '$1': $(left)"
}
interrupt_at "== 3\\." "$T/out2"
interrupt_at "== 6\\." "$T/out3"
{ [ -s "$T/out3/dirty.log" ] && [ -s "$T/out3/race-dst.svg" ]; } ||
	fail "SIGINT in step 6 did not keep the dirty log and the SVG"
grep -q "files so far in $T/out3" "$T/int.err" || fail "the interrupted demo does not name its output dir"
pass "SIGINT in steps 3 and 6: exit 130, mount, daemons and store gone, output kept"
