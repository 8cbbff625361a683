# The crash campaign's small run (tests/crash/campaign.sh): six rounds on
# one store, every kind at least once: kill -9 of the daemon at a random
# moment during a journaling writer on the write-through mount (twice) and
# with fsync on writeback_cache (twice), during a stress load, and a daemon
# stopping itself through on_violation=abort. After each: fsck clean,
# remount, every acknowledged operation of every round so far present, new
# writes taken, clean unmount, fsck clean.
need pgrep fusermount3 timeout
[ -x "$B/dt-crash" ] || fail "not built: $B/dt-crash"
# --keep: the store stays under $T, where run.sh looks for sanitizer
# reports in the daemon's log (and removes it)
rc=0
TMPDIR=$T "$HERE/../crash/campaign.sh" "$B" --rounds 6 --time 90 --keep >"$T/campaign.out" 2>&1 || rc=$?
cat "$T/campaign.out"
sum=$(grep '^campaign: [0-9]* rounds' "$T/campaign.out") || fail "campaign (exit $rc) printed no summary"
[ $rc -eq 0 ] || fail "campaign failed (exit $rc): $(grep -E 'FAIL|^ ' "$T/campaign.out" | head -6)"
for k in kill9-writer kill9-writer-fsync kill9-stress; do
	grep -qE "^round [0-9]+ $k: " "$T/campaign.out" || fail "no $k round ran: $sum"
done
ops=$(echo "$sum" | sed -n 's/.*), \([0-9]*\) operations verified.*/\1/p')
[ "${ops:-0}" -gt 0 ] || fail "no operation verified: $sum"
# an abort round that could not run (no tracer) is a SKIP of the whole
# test, never a pass
if ! grep -qE "^round [0-9]+ abort-writer: daemon aborted itself" "$T/campaign.out"; then
	why=$(grep -E "^round [0-9]+ abort-writer: SKIP" "$T/campaign.out" | head -1)
	[ -n "$why" ] || fail "no abort round ran: $sum"
	skip "kill -9 rounds passed, but $why"
fi
