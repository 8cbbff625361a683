# The kernel's runs (dtfs(7), ORDER): a sequential store through a shared
# mapping, three times, then a cache drop and a read back give the same
# per-page dirty log with runs (the default) as with a record per event
# (DTFS_TRACER_TUNE=runs=0); every page's write-notify dirtying is counted
# either way, both logs replay clean, and the passes over pages already
# mapped write a handful of ring records with runs, one a page without; a
# bad runs= value is refused in one line.
need python3
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF: the tracer cannot load"
PAGES=2048
# prints the ring records written during the second and third passes:
# stores to pages in the cache and mapped, each one dirtying and nothing
# else (the first pass also faults each page in, and a fault breaks a run)
load() {
	python3 - "$MNT/f" "$PAGES" "$B/dtfsctl" "$MNT" <<'EOF'
import mmap, os, re, subprocess, sys
path, n, ctl, mnt = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def records():
    st = subprocess.run([ctl, "status", mnt], capture_output=True,
                        text=True, check=True).stdout
    return int(re.search(r"kernel records (\d+)", st).group(1))
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
os.ftruncate(fd, n * 4096)
m = mmap.mmap(fd, n * 4096, mmap.MAP_SHARED)
for r in range(3):
    if r == 1:
        before = records()
    for i in range(n):
        m[i * 4096] = 65 + r
    m.flush()
print(records() - before)
m.close()
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
data = os.pread(fd, n * 4096, 0)
assert all(data[i * 4096] == 67 for i in range(n)), "read back differs"
os.close(fd)
EOF
}
run() { # TUNE LOG -> "records-of-passes-2-3 write-notify" on stdout
	local st rec wn
	rm -rf "$STORE"
	DTFS_TRACER_TUNE=$1 mount_dtfs -o tracer=on
	rec=$(load) || fail "load (tune '$1')"
	st=$("$B/dtfsctl" status "$MNT") || fail "status"
	umount_dtfs
	wn=$(echo "$st" | sed -n 's/^dirtyings by class: write-notify=\([0-9]*\) .*/\1/p')
	[ -n "$rec" ] && [ -n "$wn" ] || fail "status unreadable: $st"
	cp "$STORE/dirty.log" "$2"
	"$B/dtfs-log" check "$2" >"$T/check" || fail "check (tune '$1'): $(head -20 "$T/check")"
	grep -q " 0 violations found on replay, 0 logged live" "$T/check" ||
		fail "check (tune '$1'): $(cat "$T/check")"
	echo "$rec $wn"
}
read -r r1 w1 <<<"$(run "" "$T/runs.log")"
read -r r0 w0 <<<"$(run runs=0 "$T/events.log")"
# three passes of stores, each page made dirty once a pass
[ "$w1" -ge $((3 * PAGES)) ] || fail "runs: $w1 write-notify dirtyings, want >= $((3 * PAGES))"
[ "$w0" -ge $((3 * PAGES)) ] || fail "runs=0: $w0 write-notify dirtyings, want >= $((3 * PAGES))"
"$B/dtfs-log" diff "$T/runs.log" "$T/events.log" >"$T/diff" ||
	fail "runs and runs=0 logs differ: $(tail -20 "$T/diff")"
# two passes of PAGES dirtyings: a record each without runs; with runs, a
# record when the task changes CPU or the reader asks (every 20 ms)
[ "$r0" -ge $((2 * PAGES)) ] || fail "runs=0 wrote only $r0 ring records in two passes"
[ "$r1" -le $((2 * PAGES / 16)) ] ||
	fail "runs wrote $r1 ring records in two passes (runs=0: $r0): not coalesced"
# a bad value keeps the tracer, and so the mount, from starting, saying why
if DTFS_TRACER_TUNE=runs=2 "$B/dtfs" "$STORE" "$MNT" -o tracer=on 2>"$T/bad"; then
	umount_dtfs
	fail "DTFS_TRACER_TUNE=runs=2 mounted"
fi
grep -q "bad DTFS_TRACER_TUNE item 'runs=2'" "$T/bad" || fail "runs=2: $(cat "$T/bad")"
[ "$(wc -l <"$T/bad")" = 1 ] || fail "runs=2: not one line: $(cat "$T/bad")"
pass "mmap stores on $PAGES pages x3: same log; two passes wrote $r1 ring records with runs, $r0 without"
