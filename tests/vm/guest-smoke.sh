#!/usr/bin/env bash
# Run by tests/vm/smoke.sh in the guest: guest-smoke.sh BUILDDIR SERIES
set -eu
B=$1 series=$2
fail() {
	echo "FAIL $*"
	exit 1
}
ok() { echo "ok: $*"; }

krel=$(uname -r)
echo "kernel $krel"
case $krel in "$series".* | "$series"-*) ;; *) fail "booted $krel, not $series" ;; esac

T=$(mktemp -d /tmp/smoke.XXXXXX)
S=$T/store M=$T/mnt
mkdir -p "$M"
daemon_gone() {
	for _ in $(seq 100); do
		pgrep -f "^$B/dtfs $S " >/dev/null || return 0
		sleep 0.1
	done
	fail "the daemon of $S still runs 10 s after the unmount"
}

"$B/dtfs" "$S" "$M" -o tracer=on 2>"$T/mount.err" ||
	fail "dtfs -o tracer=on: $(cat "$T/mount.err")"
ok "mounted with the tracer"
head -c 3145728 /dev/urandom >"$T/data"
cp "$T/data" "$M/f"
# a shared-mapping store: write-notify through the kernel's mmap path
python3 - "$M/g" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
os.ftruncate(fd, 65536)
m = mmap.mmap(fd, 65536, mmap.MAP_SHARED)
m[4096:4101] = b"vmmap"
m.flush()
m.close()
os.close(fd)
PY
cmp "$T/data" "$M/f" || fail "data read back differs"
# O_DIRECT opens: FUSE direct_io with parallel writes where the kernel
# lets such a file be mapped shared (6.6), the page cache's path before
case $series in
6.1) want='O_DIRECT through the page cache (the kernel has no' ;;
*) want='O_DIRECT direct_io, parallel writes' ;;
esac
grep -q "$want" "$S/dtfs.log" ||
	fail "dtfs.log: want '$want', have: $(grep O_DIRECT "$S/dtfs.log")"
dd if="$T/data" of="$M/d" bs=64k oflag=direct status=none ||
	fail "O_DIRECT write"
dd if="$M/d" of="$T/d" bs=64k iflag=direct status=none || fail "O_DIRECT read"
cmp "$T/data" "$T/d" || fail "O_DIRECT data read back differs"
fusermount3 -u "$M"
daemon_gone
"$B/dtfs-log" show "$S/dirty.log" >"$T/show" || fail "dtfs-log show exit $?"
grep -qE ' kernel +dirty +/g .*class=write-notify' "$T/show" ||
	fail "the tracer logged no write-notify dirtying of /g: $(grep -c . "$T/show") records"
"$B/dtfs-fsck" "$S" >"$T/fsck" 2>&1 || fail "dtfs-fsck: $(tail -3 "$T/fsck")"
"$B/dtfs" "$S" "$M" -o tracer=off || fail "remount"
cmp "$T/data" "$M/f" || fail "data differs after the remount"
[ "$(dd if="$M/g" bs=1 skip=4096 count=5 2>/dev/null)" = vmmap ] || fail "mmap data lost"
fusermount3 -u "$M"
daemon_gone
ok "data through write(), O_DIRECT and mmap, remount, fsck clean, tracer events logged"

# A few pin scenarios against this kernel's expectations: the gated race,
# the long-term pin refusal, vmsplice, COW of a pinned private page (which
# 6.1 gets wrong).
TMPDIR=$T "$B/dtfs-pin" --run 'odirect-gated/msync' --run 'odirect-gated/evict' \
	--run 'uring-fixed/register' --run 'vmsplice/evict' --run 'cow-private/fork' >"$T/pin" 2>&1 || {
	cat "$T/pin"
	fail "dtfs-pin on $krel: $(grep -E '^not ok|expected' "$T/pin" | tr '\n' ' ')"
}
grep -E '^(not )?ok ' "$T/pin"
n=$(grep -cE '^ok [0-9]+ ' "$T/pin")
[ "$n" = 5 ] || fail "dtfs-pin: $n of 5 scenarios ok"
ok "dtfs-pin: 5 scenarios as expected on $krel"
