#!/usr/bin/env bash
# make demo: what dtfs is for, in one command (root, about 10 s).
#
#   tests/demo.sh [BUILDDIR [OUTDIR]]     OUTDIR also from $DTFS_DEMO_OUT;
#                                         default /tmp/dtfs-demo-DATE-TIME
#
#   1. mount a fresh store with the kernel tracer on (tracer=on)
#   2. an honest workload, write() and stores through a shared mapping, and
#      its dirty-log lines: write-begin and write-notify
#   3. the pinned-page race, made deterministic by dtfs's gate: an O_DIRECT
#      read into a shared mapping, the page cleaned while the read is held,
#      then dirtied without write-notify (root cause) and written back
#      without buffers (symptom)
#   4. unmount; dtfs-log check replays the log and explains the violation
#   5. the raced file's timeline (SVG) and the dirty log, kept in OUTDIR
#   6. the dtfs-pin matrix on a fresh mount of its own: its summary line
#
# Every command's output is captured and shown only when it fails. The
# mount and the temporary store are removed on any exit (SIGINT too);
# OUTDIR is kept. Exit 0 when every step ran and showed what it should.
set -euo pipefail

B=$(cd "${1:-build}" 2>/dev/null && pwd) ||
	{ echo "demo: no build directory '${1:-build}' (make build)" >&2; exit 2; }
OUT=${2:-${DTFS_DEMO_OUT:-/tmp/dtfs-demo-$(date +%Y%m%d-%H%M%S)}}

die() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (a FUSE mount, the BPF tracer, dtfs's gate)"
[ -c /dev/fuse ] || die "no /dev/fuse"
for c in fio fusermount3 mountpoint; do
	command -v "$c" >/dev/null || die "$c is not installed (make deps)"
done
for p in dtfs dtfsctl dtfs-log dtfs-pin; do
	[ -x "$B/$p" ] || die "$B/$p is not built (make build)"
done

OUT=$(realpath -m -- "$OUT")
TMP="" daemon="" fio_pid="" mounted="" done_ok=""

# The daemon's pid: the first line of the store's lock file (dtfs(8)).
daemon_pid() {
	local pid
	pid=$(head -n 1 "$STORE/dtfs.lock" 2>/dev/null) || true
	[[ $pid =~ ^[0-9]+$ ]] || pid=$(pgrep -f "^$B/dtfs $STORE " | head -n 1) || true
	echo "$pid"
}

# Wait until our daemon has exited: after the unmount it closes the store
# and then the dirty log, so the log is complete only then (the store's
# lock is released earlier). After 10 s, stop it.
# A daemon that has exited but not yet been reaped (by init: it
# daemonized) is a zombie, and kill -0 still finds it: look at its state.
running() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) } # the state follows "(comm) "
	[ "${st%% *}" != Z ]
}

daemon_gone() {
	[ -n "$daemon" ] || return 0
	for _ in $(seq 200); do
		running "$daemon" || { daemon=""; return 0; }
		sleep 0.05
	done
	kill -TERM "$daemon" 2>/dev/null
	sleep 1
	kill -KILL "$daemon" 2>/dev/null
	daemon=""
	return 1
}

# What the tools we ran may have left under $TMP (dtfs-pin mounts its own
# dtfs there, and an interrupt can catch it mid-mount): unmount it, wait
# for the daemons of stores under $TMP to exit, and stop those that do not
# within 5 s.
reap_tmp() {
	local m pids=()
	awk -v t="$TMP/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r |
		while IFS= read -r m; do
			fusermount3 -uz "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		done
	for _ in $(seq 100); do
		mapfile -t pids < <(pgrep -f -- "^$B/dtfs $TMP/")
		[ ${#pids[@]} -gt 0 ] || return 0
		sleep 0.05
	done
	kill -KILL "${pids[@]}" 2>/dev/null
}

cleanup() {
	local rc=$?
	set +e
	trap - INT TERM HUP
	cd /
	[ -n "$TMP" ] || exit $rc
	# a reader held by the gate: let it go before unmounting
	if [ -n "$fio_pid" ]; then
		"$B/dtfsctl" release "$MNT/race/src" >/dev/null 2>&1
		kill "$fio_pid" 2>/dev/null
		wait "$fio_pid" 2>/dev/null
	fi
	if mountpoint -q "$MNT" 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT" 2>/dev/null
	fi
	daemon_gone
	reap_tmp
	rm -rf "$TMP"
	[ -n "$done_ok" ] || [ $rc -ne 0 ] || rc=1
	if [ -z "$done_ok" ] && [ -n "$mounted" ]; then
		echo "demo: stopped (exit $rc); mount and temporary store removed$(
			[ -d "$OUT" ] && echo "; files so far in $OUT")" >&2
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dtfs-demo-run.XXXXXX")
STORE=$TMP/store MNT=$TMP/mnt LOG=$TMP/store/dirty.log
mkdir "$MNT"

# A command as the reader would type it: short names for our paths.
pretty() {
	local s="$*"
	s=${s//$B\//}
	s=${s//$MNT/\$MNT}
	s=${s//$STORE/\$STORE}
	s=${s//$OUT/\$OUT}
	printf '%s' "$s"
}

step() { printf '\n== %s\n' "$*"; }

# Explanations: wrapped, indented.
say() { printf '%s\n' "$*" | fold -s -w 76 | sed 's/ *$//; s/^/   /'; }

# Run a command, its stdout to $TMP/out and stderr to $TMP/err; on
# failure (an exit status not among $ok, default 0) show both and stop.
ok="0"
quiet() {
	local rc=0
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	case " $ok " in
	*" $rc "*) return 0 ;;
	esac
	{
		printf 'demo: failed (exit %d): %s\n' "$rc" "$(pretty "$*")"
		sed 's/^/  | /' "$TMP/out" "$TMP/err"
	} >&2
	exit 1
}

# Print a command, then run it quietly.
cmd() {
	printf '  $ %s\n' "$(pretty "$*")"
	quiet "$@"
}

# Put a marker into the dirty log and wait until the log writer has
# written it: every record dtfs logged before the marker is in the file.
log_mark() {
	local text="demo: $1"
	quiet "$B/dtfsctl" mark -m "$MNT" "$text"
	for _ in $(seq 200); do
		"$B/dtfs-log" show "$LOG" >"$TMP/marks" 2>/dev/null || true
		grep -qF -- "$text" "$TMP/marks" && return 0
		sleep 0.05
	done
	die "the dirty log $LOG did not show the marker '$text' within 10 s"
}

echo "dtfs demo: the dirty-tracking contract of a disk filesystem, and a pinned"
echo "page breaking it. Files are kept in $OUT."
echo "  MNT=$MNT    STORE=$STORE"

# ---------------------------------------------------------------------------
step "1. Mount dtfs with the kernel tracer on"
printf '  $ %s\n' "$(pretty "$B/dtfs $STORE $MNT -o tracer=on")"
if ! "$B/dtfs" "$STORE" "$MNT" -o tracer=on >"$TMP/out" 2>"$TMP/err"; then
	die "dtfs did not mount: $(cat "$TMP/err" "$TMP/out" | grep . | head -n 1)"
fi
daemon=$(daemon_pid)
mounted=1
mountpoint -q "$MNT" || die "dtfs returned 0 but $MNT is not a mount"
quiet "$B/dtfsctl" status "$MNT"
grep -E '^(tracer|policy):' "$TMP/out" | sed 's/^/  /'
say "dtfs serves the files from a RocksDB store and keeps a model of every" \
	"page of every file: buffers attached or not, dirty, under writeback." \
	"It learns from the FUSE requests it serves and, through the BPF tracer," \
	"from the kernel itself: every clean->dirty transition of its pages, with" \
	"the kernel stack that caused it. All of it goes to the dirty log," \
	"\$STORE/dirty.log."

# ---------------------------------------------------------------------------
step "2. An honest workload: write(), then stores through a shared mapping"
cmd mkdir "$MNT/work"
cmd dd if=/dev/urandom of="$MNT/work/data" bs=8k count=1 iflag=fullblock status=none
cmd fio --name=stores --filename="$MNT/work/data" --ioengine=mmap --rw=write \
	--bs=4k --size=8k --loops=2 --fsync=2 --invalidate=0
log_mark "workload done"
printf '  $ %s\n' "$(pretty "$B/dtfs-log show --file /work/data $LOG")"
quiet "$B/dtfs-log" show --file /work/data "$LOG"
cat "$TMP/out"
grep -q 'write-begin' "$TMP/out" || die "no write-begin in the log of /work/data"
grep -q 'write-notify' "$TMP/out" || die "no write-notify in the log of /work/data"
say "- 'fuse write ... class=write-begin': dd's write() reached dtfs" \
	"(write-through), the write_begin/write_end of a disk filesystem, where" \
	"the pages get their buffers (block reservations, journal credits)."
say "- 'kernel fault' then 'kernel dirty ... class=write-notify" \
	"fault_dirty_shared_page': fio's first store into each clean page of its" \
	"MAP_SHARED mapping faulted, and the kernel told the filesystem" \
	"(page_mkwrite) before the page became dirty: buffers attached again."
say "- 'fuse writepage': msync wrote the dirty pages back, which releases" \
	"their buffers and write-protects the mapping, so fio's second round of" \
	"stores faults and notifies again. Every dirtying came through" \
	"write-notify or write-begin: the contract holds."

# ---------------------------------------------------------------------------
step "3. A pinned page dirtied behind the filesystem's back (the gated O_DIRECT race)"
cmd mkdir "$MNT/race"
printf '  $ %s\n' "head -c 4096 /dev/zero | tr '\\0' S > \$MNT/race/src" \
	"head -c 8192 /dev/zero | tr '\\0' D > \$MNT/race/dst"
head -c 4096 /dev/zero | tr '\0' S >"$MNT/race/src"
head -c 8192 /dev/zero | tr '\0' D >"$MNT/race/dst"
log_mark "race begins"
cmd "$B/dtfsctl" gate "$MNT/race/src" --reads 1
# fio reads src with O_DIRECT into its I/O buffer, and that buffer is a
# MAP_SHARED mapping of dst (fio's mem=mmapshared:FILE).
set -- fio --name=pin --filename="$MNT/race/src" --direct=1 --rw=read \
	--bs=4k --size=4k --ioengine=psync --mem=mmapshared:"$MNT/race/dst"
printf '  $ %s &\n' "$(pretty "$*")"
"$@" >"$TMP/fio.out" 2>&1 &
fio_pid=$!
# wait until dtfs holds the READ, as long as fio lives (at most 10 s)
printf '  $ %s\n' "$(pretty "$B/dtfsctl wait-gated $MNT/race/src")"
held=""
for _ in $(seq 20); do
	if "$B/dtfsctl" wait-gated "$MNT/race/src" --timeout 500 >"$TMP/out" 2>"$TMP/err"; then
		held=1
		break
	fi
	kill -0 "$fio_pid" 2>/dev/null || break
done
if [ -z "$held" ]; then
	sed 's/^/  | /' "$TMP/err" "$TMP/fio.out" >&2
	die "fio's O_DIRECT read did not reach dtfs's gate"
fi
sed 's/^/  /' "$TMP/out"
cmd sync "$MNT/race/dst"
cmd "$B/dtfsctl" release "$MNT/race/src"
printf '  $ wait    # for fio\n'
rc=0
wait "$fio_pid" || rc=$?
fio_pid=""
[ $rc -eq 0 ] || { sed 's/^/  | /' "$TMP/fio.out" >&2; die "fio failed (exit $rc)"; }
cmd sync "$MNT/race/dst"
log_mark "race done"
printf '  $ %s\n' "$(pretty "$B/dtfs-log show $LOG | sed -n '/demo: race begins/,/demo: race done/p'")"
quiet "$B/dtfs-log" show "$LOG"
sed -n '/demo: race begins/,/demo: race done/p' "$TMP/out" >"$TMP/race"
cat "$TMP/race"
grep -q 'VIOLATION-dirtied-without-write-notify' "$TMP/race" ||
	die "the race was not caught: no VIOLATION-dirtied-without-write-notify"
grep -q 'VIOLATION-dirty-page-without-buffers' "$TMP/race" ||
	die "no VIOLATION-dirty-page-without-buffers after the race"
say "- 'gate': dtfs will hold the next READ of src; 'kernel dirty ..." \
	"class=write-notify' on dst: to pin dst's page for the O_DIRECT read," \
	"the kernel (get_user_pages) write-faulted it, through write-notify;" \
	"then fio's READ of src arrived and was held."
say "- 'fuse writepage' of dst: sync cleaned the pinned page while the read" \
	"was held; writeback released its buffers, and by the contract nothing" \
	"can dirty it again without a fault."
say "- 'kernel dirty ... class=...' then 'VIOLATION-dirtied-without-write-notify'" \
	"(the root cause): once the gate released the READ, the kernel put the" \
	"data into the pinned page and set it dirty without write-notify. The" \
	"class names the kind of bypass, the kernel function at the end of the" \
	"line is the decider (the frame of the stack that told the classifier" \
	"how the page got dirty), and the task is dtfs's own thread, whose reply" \
	"completed the read."
say "- 'fuse writepage' then 'VIOLATION-dirty-page-without-buffers' (the" \
	"symptom): the next writeback met a dirty page without buffers, the" \
	"state ext4 and xfs crashed on in Jan Kara's 2018 linux-mm report; dtfs's" \
	"policy (on_violation=warn) logs it and stores the data (eio would refuse" \
	"it, abort would stop the daemon)."

# ---------------------------------------------------------------------------
step "4. Unmount, and replay the log offline: dtfs-log check"
cmd fusermount3 -u "$MNT"
# The daemon writes the dirty log's last records and closes it on its way
# out: the log is complete once the daemon has exited.
daemon_gone || die "the daemon did not exit within 10 s of the unmount"
mkdir -p "$OUT" || die "cannot create $OUT"
rm -f "$OUT/dirty.log" "$OUT/race-dst.svg" "$OUT/check.txt" "$OUT/dtfs-pin.txt"
cp "$LOG" "$OUT/dirty.log"
chmod 644 "$OUT/dirty.log"
printf '  $ %s\n' "$(pretty "$B/dtfs-log check $OUT/dirty.log")"
ok="1" quiet "$B/dtfs-log" check "$OUT/dirty.log"
cp "$TMP/out" "$OUT/check.txt"
cat "$TMP/out"
grep -q 'ROOT CAUSE' "$TMP/out" || die "dtfs-log check does not name the root cause"
say "dtfs-log check replayed every record through the same page-state model" \
	"the daemon runs, without trusting its live verdicts, and exited 1: the" \
	"root cause with the page's history (the write, the pin's write-notify," \
	"the writeback that cleaned it, the bypass dirtying), then the symptom it" \
	"led to. /work/data does not appear: its dirtyings kept the contract."

# ---------------------------------------------------------------------------
step "5. The raced file's timeline and the dirty log, kept"
cmd "$B/dtfs-log" timeline /race/dst "$OUT/dirty.log" -o "$OUT/race-dst.svg"
{ grep -q '<svg' "$OUT/race-dst.svg" && tail -n 1 "$OUT/race-dst.svg" | grep -q '</svg>'; } ||
	die "$OUT/race-dst.svg is not a complete SVG"
say "race-dst.svg shows each page of /race/dst over the log's time: resident," \
	"dirty with buffers, under writeback, dirty WITHOUT buffers (red), with a" \
	"cross at the root cause and a triangle at the symptom. Open it in a" \
	"browser; hover a bar for its state."

# ---------------------------------------------------------------------------
step "6. dtfs-pin: every pin method against every cleaner (whole matrix)"
printf '  $ %s > %s\n' "dtfs-pin" "\$OUT/dtfs-pin.txt"
ok="0 1" quiet env TMPDIR="$TMP" "$B/dtfs-pin"
notok=$(grep -c '^not ok' "$TMP/out" || true)
cp "$TMP/out" "$OUT/dtfs-pin.txt"
grep -i 'totals' "$TMP/out" | tail -n 1 | sed 's/^# */  /' | grep . ||
	tail -n 1 "$TMP/out" | sed 's/^/  /'
# the verdict of each TAP line ("ok N NAME # VERDICT detail"), counted
awk '/^(not )?ok [0-9]/ { sub(/^[^#]*# */, ""); print $1 }' "$TMP/out" |
	sort | uniq -c | sort -rn |
	awk '{ s = s (NR > 1 ? ", " : "") $2 " " $1 } END { if (s) print "  verdicts: " s }'
say "dtfs-pin mounted a fresh dtfs of its own and pinned pages of MAP_SHARED" \
	"dtfs files every way the kernel offers (O_DIRECT, io_uring, vmsplice," \
	"...), racing each pin with a cleaner (msync, fsync, MADV_PAGEOUT," \
	"eviction, truncate, punch). DIRTY_WITHOUT_NOTIFY is the race of step 3;" \
	"LOST_WRITE a write through the pin the file never got; STALE a pin that" \
	"no longer sees the file. The TAP lines and the matrix are in" \
	"\$OUT/dtfs-pin.txt; dtfs-pin(1) says what each verdict means."
[ "$notok" = 0 ] ||
	say "$notok scenario(s) differ from this project's expectations (Linux" \
		"6.18): see the 'not ok' lines in \$OUT/dtfs-pin.txt."

# ---------------------------------------------------------------------------
step "Done"
echo "Kept in $OUT:"
echo "  dirty.log      the dirty log of steps 1-4 (dtfs-log show|check|stats|json read it)"
echo "  race-dst.svg   the timeline of /race/dst"
echo "  check.txt      dtfs-log check's report"
echo "  dtfs-pin.txt   dtfs-pin's TAP lines and matrix"
echo "The mount and the temporary store are removed."
done_ok=1
