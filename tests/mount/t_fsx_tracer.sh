# fsx with the tracer on: the dirty log replays clean (no violation from an
# honest workload of mapped and plain reads and writes, truncates, punches
# and zeroes), and the same seed twice gives the same per-page event
# sequences (dtfs-log diff exit 0), while another seed does not. fsx is not
# packaged: FSX=/path/to/fsx (xfstests' ltp/fsx), FSX_OPS (default 20000).
FSX=${FSX:-$(command -v fsx || true)}
[ -n "$FSX" ] && [ -x "$FSX" ] || skip "fsx not available (set FSX=/path/to/xfstests/ltp/fsx)"
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF: the tracer cannot load"
OPS=${FSX_OPS:-20000}
run_fsx() { # SEED LOG
	rm -rf "$STORE"
	mount_dtfs -o tracer=on
	# collapse, insert, clone, dedupe and exchange range: FUSE has none
	"$FSX" -q -N "$OPS" -S "$1" -C -I -J -B -0 -P "$T" "$MNT/fsx.file" >"$T/fsx.out" 2>&1 ||
		fail "fsx seed $1: $(tail -5 "$T/fsx.out")"
	grep -q "All $OPS operations completed A-OK" "$T/fsx.out" || fail "fsx: $(tail -3 "$T/fsx.out")"
	umount_dtfs
	cp "$STORE/dirty.log" "$2"
}
run_fsx 42 "$T/a.log"
"$B/dtfs-log" check "$T/a.log" >"$T/check" || fail "check: $(head -20 "$T/check")"
grep -q " 0 violations found on replay, 0 logged live" "$T/check" || fail "check: $(cat "$T/check")"
"$B/dtfs-log" stats "$T/a.log" | grep -qE "^  write-notify +[1-9]" || fail "no write-notify dirtying logged"
run_fsx 42 "$T/b.log"
"$B/dtfs-log" diff "$T/a.log" "$T/b.log" >"$T/diff" || fail "same seed differs: $(tail -20 "$T/diff")"
run_fsx 43 "$T/c.log"
"$B/dtfs-log" diff "$T/a.log" "$T/c.log" >"$T/diff" && fail "another seed gave the same log"
pass "fsx $OPS ops x3"
