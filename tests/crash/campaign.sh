#!/usr/bin/env bash
# NAME
#     campaign.sh - crash campaign for dtfs: kill -9 of the daemon and
#     on_violation=abort at random moments, then recovery checks
#
# SYNOPSIS
#     tests/crash/campaign.sh BUILDDIR [--rounds N] [--time SECS]
#         [--fsstress PATH] [--seed N] [--procs N] [--keep]
#
# DESCRIPTION
#     Mounts one dtfs store (BUILDDIR/dtfs STORE MNT) again and again, and
#     in each round runs a load in the round's own directory MNT/rN, stops
#     the daemon at a random moment, and checks the recovery. The round
#     kinds rotate:
#       1 kill9-writer        dt-crash writer without fsync on the default
#                             (write-through) mount: every write() reaches
#                             the daemon, which writes its RocksDB WAL before
#                             replying, so every acknowledged operation must
#                             survive kill -9 of the daemon;
#       2 kill9-writer-fsync  dt-crash writer --fsync on -o writeback_cache:
#                             an operation is acknowledged once fsync of the
#                             file and its directories succeeded;
#       3 kill9-stress        fsstress (with --fsstress PATH or $FSSTRESS;
#                             -p 4 -n 1000000 -l 0) or else dt-crash stress,
#                             on the default mount or, every other time,
#                             on -o writeback_cache;
#       4 abort-writer        dt-crash writer on -o on_violation=abort with
#                             the tracer on; after a random delay dtfs-pin
#                             --run odirect-gated/msync makes a dirty page
#                             without buffers and the daemon must stop
#                             itself (its log names the abort).
#     A writer journals each acknowledged operation to WORK/journal.N (on
#     the temp dir's filesystem, not dtfs). After the kill (kill -9 of the
#     daemon found by pgrep -f "^WORK/bin/dtfs STORE ", after 0-0.2 s in one
#     round of ten, else 0.3-2.5 s after the load started): wait until the
#     daemon is gone and the load has stopped, umount -l, dtfs-fsck STORE
#     must exit 0, mount again, then "dt-crash check" of the journal of
#     every writer round so far (every acknowledged operation of every
#     earlier round must still be there; the rule for the one operation in
#     flight is in dt-crash.c), for stress rounds a walk of the whole tree
#     reading every file of the round's directory, then new writes (a short
#     writer run, checked), fusermount3 -u, wait for the daemon to exit,
#     dtfs-fsck again. A sanitizer report in STORE/dtfs.log (a build-san
#     daemon) fails the round too. The programs run from copies in
#     WORK/bin, so that a rebuild during a long campaign does not disturb
#     it.
#
#     The campaign stops starting rounds after --rounds N rounds (default
#     12) or once --time SECS (default 300) have passed. One line per round,
#     e.g. "round 2 kill9-writer-fsync: killed after 1.37 s, 512 ops
#     acknowledged, 512 verified, fsck clean", then "campaign: R rounds (k
#     kill9, a abort), O operations verified, F failures". A round that
#     fails prints its reasons indented below its line.
#
# OPTIONS
#     --rounds N      at most N rounds (default 12)
#     --time SECS     start no round after SECS seconds (default 300)
#     --fsstress PATH xfstests' fsstress for the stress rounds (default
#                     $FSSTRESS; without it: dt-crash stress)
#     --seed N        the seed of the delays and loads (default random;
#                     printed first)
#     --procs N       writer processes (default 2)
#     --keep          keep the work directory (store, journals, logs)
#
# ENVIRONMENT
#     TMPDIR          where the work directory is made (default /tmp)
#     FSSTRESS        as --fsstress
#
# EXIT STATUS
#     0 no failure, 1 some failure (the work directory is then kept and
#     named), 2 bad usage or missing prerequisites, 130 interrupted. Mounts,
#     daemons and loads are cleaned up on exit and on SIGINT/SIGTERM.
#
# EXAMPLES
#     tests/crash/campaign.sh build --rounds 40 --time 900
#     tests/crash/campaign.sh build --fsstress /path/to/fstests/ltp/fsstress
set -u

usage() {
	echo "usage: campaign.sh BUILDDIR [--rounds N] [--time SECS] [--fsstress PATH] [--seed N] [--procs N] [--keep]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
B=$(cd "$1" 2>/dev/null && pwd) || { echo "campaign.sh: no build directory $1" >&2; exit 2; }
shift
rounds=12 limit=300 fsstress=${FSSTRESS:-} seed="" procs=2 keep=0
isnum() { [[ $1 =~ ^[0-9]+$ ]]; }
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) isnum "${2:-}" || usage; rounds=$2; shift 2 ;;
	--time) isnum "${2:-}" || usage; limit=$2; shift 2 ;;
	--fsstress) [ -n "${2:-}" ] || usage; fsstress=$2; shift 2 ;;
	--seed) isnum "${2:-}" || usage; seed=$2; shift 2 ;;
	--procs) isnum "${2:-}" && [ "$2" -ge 1 ] || usage; procs=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	*) usage ;;
	esac
done
for p in dtfs dtfs-fsck dt-crash dtfs-pin; do
	[ -x "$B/$p" ] || { echo "campaign.sh: $B/$p not built" >&2; exit 2; }
done
if [ -n "$fsstress" ] && [ ! -x "$fsstress" ]; then
	echo "campaign.sh: fsstress $fsstress is not an executable" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "campaign.sh: needs root" >&2; exit 2; }
[ -c /dev/fuse ] || { echo "campaign.sh: no /dev/fuse" >&2; exit 2; }

[ -n "$seed" ] || seed=$(( (RANDOM << 15) | RANDOM ))
RANDOM=$seed
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dtfs-crash.XXXXXX") || exit 2
STORE=$WORK/store
MNT=$WORK/mnt
mkdir -p "$MNT" "$WORK/bin"
# run copies, so that a rebuild during a long campaign does not disturb it
cp "$B/dtfs" "$B/dtfs-fsck" "$B/dt-crash" "$B/dtfs-pin" "$WORK/bin/" ||
	{ rm -rf "$WORK"; exit 2; }
BUILD=$B
B=$WORK/bin
start=$(date +%s.%N)
loadpid="" loadrc=0 failures=0 nrounds=0 nkill=0 nabort=0 verified=0
writer_rounds=() interrupted=0

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
daemon_pid() { pgrep -f "^$B/dtfs $STORE " | head -1; }

# Some thread of PID is not dead yet. After kill -9 the thread group
# leader turns zombie at once while other threads may still be exiting
# (holding the store's lock), and the zombie itself may stay unreaped.
alive() {
	[ -d "/proc/$1" ] || return 1
	# (threads come and go: cat goes on where awk would stop)
	cat /proc/"$1"/task/*/stat 2>/dev/null |
		awk '{ sub(/.*\) /, ""); if ($1 != "Z" && $1 != "X") live = 1 }
			END { exit !live }'
}

# wait_gone PID SECS: 0 once PID has exited, 1 if still there after SECS
wait_gone() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		alive "$1" || return 0
		sleep 0.05
	done
	! alive "$1"
}

# The load runs in a subshell (so that its death by SIGKILL is reported in
# its log, not here); fsstress makes itself a process group, dt-crash's
# processes die with their parent.
kill_load() {
	local c
	for c in $(pgrep -P "$loadpid" 2>/dev/null); do
		kill -KILL -- "-$c" 2>/dev/null
		kill -KILL "$c" 2>/dev/null
	done
}

# kill what is left of the load; its exit status in loadrc
stop_load() {
	loadrc=0
	[ -n "$loadpid" ] || return 0
	kill_load
	kill -KILL "$loadpid" 2>/dev/null
	wait "$loadpid" 2>/dev/null || loadrc=$?
	loadpid=""
}

cleanup() {
	local pid
	trap - EXIT INT TERM
	stop_load
	pid=$(daemon_pid)
	if grep -q " $MNT " /proc/mounts 2>/dev/null; then
		fusermount3 -uz "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	fi
	[ -n "$pid" ] && ! wait_gone "$pid" 5 && kill -KILL "$pid" 2>/dev/null
	if [ "$keep" = 1 ] || { [ "$failures" -gt 0 ] && [ "$interrupted" = 0 ]; }; then
		echo "campaign: work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'interrupted=1; echo "campaign: interrupted"; exit 130' INT TERM

# Per round: reasons of failure, printed below the round's line.
reasons=()
rfail() {
	reasons+=("$*")
	failures=$((failures + 1))
}

# first lines of a file, indented, for a failure's detail
detail() { head -n "${2:-8}" "$1" | sed 's/^/        /'; }

mount_fs() {
	local out
	out=$("$B/dtfs" "$STORE" "$MNT" ${1:+-o "$1"} 2>&1) || { echo "$out"; return 1; }
	grep -q " $MNT " /proc/mounts || { echo "not mounted after dtfs returned 0"; return 1; }
}

# clean unmount: fusermount3 -u, the daemon exits, fsck clean
unmount_clean() {
	local pid what=$1
	pid=$(daemon_pid)
	if ! fusermount3 -u "$MNT" 2>"$WORK/umount.err"; then
		rfail "$what: fusermount3 -u failed: $(head -1 "$WORK/umount.err")"
		umount -l "$MNT" 2>/dev/null
	fi
	if [ -n "$pid" ] && ! wait_gone "$pid" 30; then
		rfail "$what: daemon $pid still running 30 s after unmount"
		kill -KILL "$pid" 2>/dev/null
		wait_gone "$pid" 10
	fi
	fsck_store "$what"
}

fsck_store() {
	local rc=0
	"$B/dtfs-fsck" "$STORE" >"$WORK/fsck.out" 2>&1 || rc=$?
	if [ $rc -ne 0 ]; then
		rfail "$1: dtfs-fsck not clean (exit $rc): $(tail -1 "$WORK/fsck.out")"
		cp "$WORK/fsck.out" "$WORK/fsck.round$r.$1"
		return 1
	fi
}

# the kill delay in ms: one round in ten right after the start
delay_ms() {
	if [ $((RANDOM % 10)) = 0 ]; then
		echo $((RANDOM % 200))
	else
		echo $((300 + RANDOM % 2200))
	fi
}

msleep() { sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"; }

kinds=(kill9-writer kill9-writer-fsync kill9-stress abort-writer)
sanre='ERROR: (Address|Leak)Sanitizer|runtime error:'
sanseen=0
stressn=0
echo "campaign: seed $seed, build $BUILD, work $WORK, up to $rounds rounds or ${limit} s"

for ((r = 1; r <= rounds; r++)); do
	if awk -v s="$(since "$start")" -v l="$limit" 'BEGIN { exit !(s >= l) }'; then
		echo "campaign: time limit of $limit s reached"
		break
	fi
	kind=${kinds[$(((r - 1) % 4))]}
	reasons=()
	opts="" wargs="" load="" acked="" ver="" summary=""
	rseed=$((seed + r))
	case $kind in
	kill9-writer) load=writer ;;
	kill9-writer-fsync) load=writer opts=writeback_cache wargs=--fsync ;;
	kill9-stress)
		load=stress
		stressn=$((stressn + 1))
		[ $((stressn % 2)) = 0 ] && opts=writeback_cache
		;;
	abort-writer) load=writer opts=on_violation=abort,tracer=on ;;
	esac
	before=$(grep -c 'ABORT (on_violation=abort)' "$STORE/dtfs.log" 2>/dev/null)
	before=${before:-0}
	if ! out=$(mount_fs "$opts"); then
		if [ "$kind" = abort-writer ] && mount_fs "" >/dev/null; then
			# no tracer here: no violation can be seen
			unmount_clean "skip"
			echo "round $r $kind: SKIP: mount -o $opts failed: $out"
			continue
		fi
		echo "round $r $kind: FAIL: mount -o ${opts:-(default)} failed: $out"
		failures=$((failures + 1))
		break
	fi
	nrounds=$((nrounds + 1))
	pid=$(daemon_pid)
	R=$MNT/r$r
	mkdir -p "$R/w" "$R/stress"
	t0=$(now)
	if [ "$load" = writer ]; then
		("$B/dt-crash" writer "$R/w" "$WORK/journal.$r" $wargs --seed "$rseed" \
			--procs "$procs"; exit) >"$WORK/load.$r" 2>&1 &
		writer_rounds+=("$r")
	elif [ -n "$fsstress" ]; then
		("$fsstress" -d "$R/stress" -p 4 -n 1000000 -l 0 -s "$rseed"; exit) \
			>"$WORK/load.$r" 2>&1 &
	else
		("$B/dt-crash" stress "$R/stress" --procs 4 --seed "$rseed"; exit) \
			>"$WORK/load.$r" 2>&1 &
	fi
	loadpid=$!
	ms=$(delay_ms)
	msleep "$ms"
	if [ -z "$pid" ] || ! alive "$pid"; then
		rfail "the daemon died before we stopped it"
	elif [ "$kind" = abort-writer ]; then
		# dtfs-pin's scenario makes the violation; it reports an
		# ERROR itself once the mount answers ENOTCONN
		timeout -k 5 60 "$B/dtfs-pin" --mount "$MNT" --run odirect-gated/msync \
			--timeout 10 >"$WORK/pin.$r" 2>&1 &
		pinpid=$!
		if wait_gone "$pid" 20; then
			summary="daemon aborted itself after $(since "$t0") s"
		else
			rfail "the daemon did not stop itself after the violation (dtfs-pin: $(grep -m1 'ok 1' "$WORK/pin.$r"))"
			kill -KILL "$pid" 2>/dev/null
			summary="no abort"
		fi
		wait_gone "$pinpid" 60 || kill -KILL "$pinpid" 2>/dev/null
		wait "$pinpid" 2>/dev/null
		nabort=$((nabort + 1))
	else
		kill -KILL "$pid"
		nkill=$((nkill + 1))
		summary="killed after $(since "$t0") s"
	fi
	[ -n "$pid" ] && ! wait_gone "$pid" 30 && rfail "daemon $pid still there 30 s after the kill"
	# the load stops by itself when the filesystem goes away (fsstress
	# does not: it is killed)
	[ "$load" = stress ] && [ -n "$fsstress" ] && { sleep 0.3; kill_load; }
	if ! wait_gone "$loadpid" 30; then
		rfail "the load did not stop 30 s after the daemon"
	fi
	stop_load
	if [ "$load" = writer ]; then
		if [ $loadrc -ne 0 ] ||
			! grep -q '^writer: [0-9]* operations acknowledged' "$WORK/load.$r"; then
			rfail "writer failed (exit $loadrc): $(grep -v '^writer: [0-9]* operations' "$WORK/load.$r" | head -3)"
		fi
		acked=$(sed -n 's/^writer: \([0-9]*\) operations acknowledged.*/\1/p' "$WORK/load.$r")
		summary="$summary, ${acked:-?} ops acknowledged"
	elif [ -z "$fsstress" ]; then
		[ $loadrc -eq 0 ] || rfail "dt-crash stress failed (exit $loadrc): $(tail -2 "$WORK/load.$r")"
		summary="$summary, $(grep -m1 '^stress:' "$WORK/load.$r" | sed 's/^stress: //')"
	fi
	umount -l "$MNT" || rfail "umount -l failed"
	fsck_store "after the crash"
	if [ "$kind" = abort-writer ]; then
		after=$(grep -c 'ABORT (on_violation=abort)' "$STORE/dtfs.log" 2>/dev/null)
		[ "${after:-0}" -gt "$before" ] ||
			rfail "the daemon log names no abort: $(tail -2 "$STORE/dtfs.log" | tr '\n' ' ')"
	fi
	if ! out=$(mount_fs ""); then
		rfail "remount failed: $out"
		echo "round $r $kind: FAIL ($summary)"
		printf '    %s\n' "${reasons[@]}"
		break
	fi
	# every acknowledged op of every writer round so far
	for k in "${writer_rounds[@]}"; do
		if ! "$B/dt-crash" check "$MNT/r$k/w" "$WORK/journal.$k" >"$WORK/check.$r.$k" 2>&1; then
			rfail "round $k's acknowledged operations: $(tail -1 "$WORK/check.$r.$k")"
			reasons+=("$(detail "$WORK/check.$r.$k" 6)")
		fi
		if [ "$k" = "$r" ]; then
			ver=$(sed -n 's/^check: \([0-9]*\) operations verified.*/\1/p' "$WORK/check.$r.$k")
			verified=$((verified + ${ver:-0}))
			summary="$summary, ${ver:-0} verified"
		fi
	done
	if [ "$load" = stress ]; then
		# the whole tree walks; every file of this round reads
		n=$(find "$MNT" 2>"$WORK/walk.err" | wc -l)
		[ -s "$WORK/walk.err" ] && rfail "tree walk: $(head -1 "$WORK/walk.err")"
		files=$(find "$R/stress" -type f | wc -l)
		if ! find "$R/stress" -type f -exec cat {} + >/dev/null 2>"$WORK/read.err"; then
			rfail "reading the files: $(head -1 "$WORK/read.err")"
		fi
		summary="$summary, $n entries walked, $files files read"
	fi
	# the filesystem takes new writes
	mkdir -p "$R/post"
	if ! "$B/dt-crash" writer "$R/post" "$WORK/post.$r" --ops 40 --seed "$rseed" \
		--procs 1 >"$WORK/post.out" 2>&1 ||
		! "$B/dt-crash" check "$R/post" "$WORK/post.$r" >>"$WORK/post.out" 2>&1; then
		rfail "new writes after the remount: $(tail -1 "$WORK/post.out")"
	fi
	unmount_clean "after the remount" && summary="$summary, fsck clean"
	# a sanitizer build reports into the daemon's log
	san=$(grep -cE "$sanre" "$STORE/dtfs.log" 2>/dev/null)
	if [ "${san:-0}" -gt "$sanseen" ]; then
		rfail "sanitizer report in $STORE/dtfs.log: $(grep -m1 -E "$sanre" "$STORE/dtfs.log")"
		sanseen=$san
	fi
	if [ ${#reasons[@]} -eq 0 ]; then
		echo "round $r $kind: $summary"
	else
		echo "round $r $kind: FAIL ($summary)"
		printf '    %s\n' "${reasons[@]}"
	fi
done
echo "campaign: $nrounds rounds ($nkill kill9, $nabort abort), $verified operations verified, $failures failures ($(since "$start") s)"
[ "$failures" -eq 0 ]
