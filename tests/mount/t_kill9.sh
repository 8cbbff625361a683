# kill -9 of the daemon in the middle of a workload. A writer appends
# numbered records with write() (O_APPEND) and creates files through
# rename, recording each acknowledged operation in a journal on /tmp's
# filesystem. After the kill, a lazy unmount and a remount, every
# acknowledged record and file is there, intact, and fsck is clean. Two
# rounds on the same store, each killed at a random moment.
for round in 1 2; do
	mount_dtfs
	pid=$(daemon_pid)
	[ -n "$pid" ] || fail "no daemon pid"
	mkdir "$MNT/w$round"
	"$HELPER" appender "$MNT/w$round" "$T/journal$round" >"$T/appender$round" 2>&1 &
	writer=$!
	sleep "$(awk -v s="$RANDOM" 'BEGIN{srand(s); printf "%.2f", 0.5 + rand() * 2}')"
	kill -9 "$pid"
	wait_gone "$pid"
	rc=0
	wait "$writer" || rc=$?
	[ $rc -eq 0 ] || fail "appender exit $rc: $(cat "$T/appender$round")"
	cat "$T/appender$round"
	umount -l "$MNT"
	fsck_clean
	mount_dtfs
	for r in $(seq "$round"); do
		"$HELPER" appender-check "$MNT/w$r" "$T/journal$r" ||
			fail "round $round: acknowledged operations of round $r lost"
	done
	read -r recs files _ <"$T/journal$round"
	[ "$recs" -gt 0 ] || fail "writer acknowledged nothing before the kill"
	# the remounted store takes writes
	echo after-crash >"$MNT/w$round/after"
	[ "$(cat "$MNT/w$round/after")" = after-crash ] || fail "write after remount"
	umount_dtfs
	fsck_clean
done
