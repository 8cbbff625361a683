# Unmount lets go of the store: scripts that unmount and at once run
# dtfs-fsck or mount again must succeed (dtfs and dtfs-fsck wait for a
# daemon whose mount is gone), and a store with a live mount is still
# refused at once. Prints the time from unmount to the store's release.
need fusermount3 flock

ROUNDS=${UNMOUNT_ROUNDS:-20}
mount_dtfs
"$B/dtfs" "$STORE" "$T/mnt2" 2>"$T/err" && fail "second mount of a live store"
mkdir -p "$T/mnt2"
t0=$(date +%s%N)
rc=0
"$B/dtfs" "$STORE" "$T/mnt2" 2>"$T/err" || rc=$?
t1=$(date +%s%N)
[ $rc -eq 3 ] || fail "live store: dtfs exit $rc, want 3: $(cat "$T/err")"
grep -q "in use by a running dtfs (pid [0-9]*, mounted on $MNT)" "$T/err" ||
	fail "live store: message: $(cat "$T/err")"
[ $(((t1 - t0) / 1000000)) -lt 2000 ] ||
	fail "live store refused after $(((t1 - t0) / 1000000)) ms, not at once"
rc=0
"$B/dtfs-fsck" "$STORE" >/dev/null 2>"$T/err" || rc=$?
[ $rc -eq 3 ] || fail "live store: dtfs-fsck exit $rc, want 3"
pass "a live store is refused at once (dtfs and dtfs-fsck)"

rel=()
for r in $(seq "$ROUNDS"); do
	dd if=/dev/urandom of="$MNT/f$r" bs=1M count=64 status=none ||
		fail "round $r: write"
	sum=$(sha256sum <"$MNT/f$r")
	fusermount3 -u "$MNT" || fail "round $r: fusermount3 -u"
	t0=$(date +%s%N)
	# the release itself, measured on the lock the daemon holds
	until flock -n "$STORE/dtfs.lock" true; do
		[ $(($(date +%s%N) - t0)) -lt 10000000000 ] ||
			fail "round $r: store not released 10 s after unmount"
		sleep 0.005
	done
	rel+=($((($(date +%s%N) - t0) / 1000000)))
	out=$("$B/dtfs-fsck" "$STORE" 2>&1) || fail "round $r: dtfs-fsck: $out"
	"$B/dtfs" "$STORE" "$MNT" 2>"$T/err" ||
		fail "round $r: mount again: $(cat "$T/err")"
	[ "$(sha256sum <"$MNT/f$r")" = "$sum" ] || fail "round $r: data differs"
	rm -f "$MNT/f$r"
done
pass "$ROUNDS rounds of write 64 MiB, unmount, fsck, mount"

# Now without waiting for the release: unmount, then fsck and mount at once.
for r in $(seq 5); do
	dd if=/dev/urandom of="$MNT/g" bs=1M count=64 status=none
	fusermount3 -u "$MNT"
	out=$("$B/dtfs-fsck" "$STORE" 2>&1) || fail "at once $r: dtfs-fsck: $out"
	"$B/dtfs" "$STORE" "$MNT" 2>"$T/err" ||
		fail "at once $r: mount: $(cat "$T/err")"
done
pass "unmount, then fsck and mount at once, 5 times"
umount_dtfs

sorted=($(printf '%s\n' "${rel[@]}" | sort -n))
n=${#sorted[@]}
echo "release after unmount: median ${sorted[$((n / 2))]} ms, max ${sorted[$((n - 1))]} ms ($n rounds)"
