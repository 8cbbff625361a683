# Bad input that is not the command line (t_options has that):
#  - over-long names, symlink targets and xattrs through the mount;
#  - damaged stores given to dtfs (refused in one line that points to
#    dtfs-fsck, nothing mounted, the store's bytes untouched) and to
#    dtfs-fsck (reported with exit 1, never a crash);
#  - a store on read-only media: dtfs refuses, dtfs-fsck still checks it;
#  - garbage, truncated and damaged dirty logs given to every dtfs-log
#    command: one-line errors, exit 2 for what is not a log, never a crash.
# Prints how many bad inputs it tried.
need ldb md5sum setfattr getfattr
tried=0

# ---- names and xattrs through the mount -----------------------------
mount_dtfs -o tracer=off
long() { head -c "$1" /dev/zero | tr '\0' "${2:-a}"; }
expect_err() { # WANT-substring CMD...: the command fails with that error
	local want=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	[ $rc -ne 0 ] || fail "accepted: $*"
	echo "$out" | grep -q "$want" || fail "$1...: want '$want', got: $out"
	tried=$((tried + 1))
}
touch "$MNT/$(long 255)" || fail "a 255-byte name was refused"
expect_err "File name too long" touch "$MNT/$(long 256)"
expect_err "File name too long" mkdir "$MNT/$(long 300 b)"
expect_err "File name too long" ln -s x "$MNT/$(long 1000 c)"
expect_err "File name too long" mv "$MNT/$(long 255)" "$MNT/$(long 256 d)"
expect_err "File name too long" ln -s "$(long 4096)" "$MNT/longtarget"
ln -s "$(long 4095)" "$MNT/oktarget" || fail "a 4095-byte symlink target was refused"
[ "$(readlink "$MNT/oktarget" | wc -c)" -eq 4096 ] || fail "symlink target changed"
echo data >"$MNT/x"
setfattr -n "user.$(long 250)" -v v "$MNT/x" || fail "255-byte xattr name refused"
expect_err "Numerical result out of range" setfattr -n "user.$(long 251)" -v v "$MNT/x"
long 65536 >"$T/v64k"
setfattr -n user.big -v "$(cat "$T/v64k")" "$MNT/x" 2>/dev/null ||
	python3 -c "import os; os.setxattr('$MNT/x', 'user.big', b'a' * 65536)" ||
	fail "a 64 KiB xattr value was refused"
expect_err "too long\|E2BIG\|Argument list" python3 -c \
	"import os; os.setxattr('$MNT/x', 'user.big2', b'a' * 65537)"
expect_err "Operation not supported" setfattr -n "nonamespace" -v v "$MNT/x"
[ "$(cat "$MNT/x")" = data ] || fail "file changed by refused xattrs"
umount_dtfs
fsck_clean

# ---- damaged stores ---------------------------------------------------
W=$T/stores
mkdir -p "$W"
make_store() { # a small store with 3 files and a directory
	rm -rf "$W/s"
	"$B/dtfs" "$W/s" "$MNT" -o tracer=off || fail "mount of a new store"
	for i in 1 2 3; do
		head -c 300000 /dev/urandom >"$MNT/f$i"
	done
	mkdir "$MNT/d"
	local pid
	pid=$(pgrep -f "^$B/dtfs $W/s " | head -1)
	fusermount3 -u "$MNT"
	[ -z "$pid" ] || wait_gone "$pid"
}
sum_store() { (cd "$W/s/db" && find . -type f ! -name 'LOG*' | sort | xargs md5sum); }
refused() { # NAME FSCK-EXIT MSG-SUBSTRING: dtfs refuses, fsck reports
	local name=$1 want_fsck=$2 msg=$3 out rc=0 before
	before=$(sum_store)
	out=$("$B/dtfs" "$W/s" "$MNT" -o tracer=off 2>&1) || rc=$?
	[ $rc -ne 0 ] || fail "$name: dtfs mounted a damaged store"
	mountpoint -q "$MNT" && fail "$name: mounted"
	[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "$name: not one line: $out"
	echo "$out" | grep -q "$msg" || fail "$name: no '$msg' in: $out"
	echo "$name: $out"
	[ "$(sum_store)" = "$before" ] || fail "$name: the refused mount changed the store"
	rc=0
	out=$("$B/dtfs-fsck" "$W/s" 2>&1) || rc=$?
	[ $rc -eq "$want_fsck" ] || fail "$name: dtfs-fsck exit $rc, want $want_fsck: $out"
	[ "$(sum_store)" = "$before" ] || fail "$name: dtfs-fsck changed the store"
	tried=$((tried + 2))
}
make_store
echo garbage >"$W/s/db/CURRENT"
refused current-garbage 1 "store damaged.*run dtfs-fsck"
make_store
rm "$W/s"/db/MANIFEST-*
refused manifest-missing 1 "store damaged.*run dtfs-fsck"
make_store
wal=$(ls "$W"/s/db/*.log | head -1)
printf 'XXXXXXXXXXXXXXXX' | dd of="$wal" bs=1 seek=$(($(stat -c %s "$wal") / 2)) \
	conv=notrunc status=none
refused wal-damaged 1 "store damaged.*run dtfs-fsck"
make_store
ldb --db="$W/s/db" compact >/dev/null
sst=$(ls "$W"/s/db/*.sst | head -1)
truncate -s 1000 "$sst"
refused sst-truncated 1 "store damaged.*run dtfs-fsck"
make_store
rm "$W/s/data"
refused data-missing 1 "data: No such file or directory; run dtfs-fsck"
make_store
printf 'XXXX' | dd of="$W/s/data" bs=1 seek=2 conv=notrunc status=none
refused data-header 1 "not a dtfs data file.*run dtfs-fsck"
make_store
ldb --db="$W/s/db" put Sformat "dtfs-store 99" >/dev/null
refused format-99 2 "store format version 99"
make_store
ldb --db="$W/s/db" delete Sformat >/dev/null
refused format-missing 2 "no format record.*dtfs-fsck"

# damage inside a table's data block (metadata: maps, inodes, names):
# RocksDB cannot see it at open, the mount's look at the store does, and
# the store is refused as above
make_store
ldb --db="$W/s/db" compact >/dev/null
sst=$(ls "$W"/s/db/*.sst | head -1)
printf 'XXXXXXXXXXXXXXXX' | dd of="$sst" bs=1 seek=$(($(stat -c %s "$sst") / 2)) \
	conv=notrunc status=none
refused sst-block-damaged 1 "store damaged.*run dtfs-fsck"

# damage in the data file: the mount comes up; reading the damaged file
# is EIO (not garbage), the others read fine, and dtfs-fsck reports it
make_store
blk=$(($(stat -c %s "$W/s/data") / 4096 / 2))
printf 'XXXXXXXXXXXXXXXX' | dd of="$W/s/data" bs=1 seek=$((blk * 4096 + 100)) \
	conv=notrunc status=none
"$B/dtfs" "$W/s" "$MNT" -o tracer=off || fail "mount with a damaged data block"
eio=0
for i in 1 2 3; do
	rc=0
	out=$(cat "$MNT/f$i" 2>&1 >/dev/null) || rc=$?
	if [ $rc -ne 0 ]; then
		echo "$out" | grep -q "Input/output error" || fail "f$i: $out"
		eio=$((eio + 1))
	fi
done
[ $eio -eq 1 ] || fail "$eio files met one damaged data block"
fusermount3 -u "$MNT"
rc=0
out=$("$B/dtfs-fsck" "$W/s" 2>&1) || rc=$?
grep -q "checksum mismatch in data block $blk.*run dtfs-fsck" "$W/s/dtfs.log" ||
	fail "daemon log does not name the damage"
[ $rc -eq 1 ] || fail "dtfs-fsck of a damaged data block: exit $rc: $out"
echo "$out" | grep -q "checksum mismatch in data block $blk" ||
	fail "fsck does not name the damage: $out"
tried=$((tried + 2))

# forged maps (ldb): f1 is inode 2, f2 inode 3. A map is u8 version 1,
# u16 bitmap of its slots, then per slot u8 kind (1 data), u64 block,
# u32 epoch, u32 crc (core/store/records.c).
key() { printf '0x45%016x%016x' "$1" "$2"; }
le64() { printf '%016x' "$1" | sed 's/\(..\)/\1 /g' | awk '{for (i = NF; i; i--) printf "%s", $i}'; }
make_store
# a map that points past the end of the data file
ldb --db="$W/s/db" --key_hex --value_hex put "$(key 2 0)" \
	"0x01010001$(le64 16777216)0100000000000000" >/dev/null
rc=0
out=$("$B/dtfs-fsck" "$W/s" 2>&1) || rc=$?
[ $rc -eq 1 ] || fail "fsck of a map past the data file: exit $rc: $out"
echo "$out" | grep -q "map points past the data file" || fail "fsck: $out"
"$B/dtfs" "$W/s" "$MNT" -o tracer=off || fail "mount with a map past the data file"
rc=0
out=$(head -c 4096 "$MNT/f1" 2>&1 >/dev/null) || rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "Input/output error" ||
	fail "read through a map past the data file: exit $rc: $out"
cmp -s <(head -c 300000 "$MNT/f2") "$MNT/f2" || fail "f2 unreadable"
fusermount3 -u "$MNT"
sleep 0.5
grep -q "past the end of the data file" "$W/s/dtfs.log" ||
	fail "daemon log does not name a map past the data file"
tried=$((tried + 3))
# two maps owning one block: f2's first map made a copy of f1's
make_store
m=$(ldb --db="$W/s/db" --key_hex --value_hex get "$(key 2 0)")
ldb --db="$W/s/db" --key_hex --value_hex put "$(key 3 0)" "$m" >/dev/null
rc=0
out=$("$B/dtfs-fsck" "$W/s" 2>&1) || rc=$?
[ $rc -eq 1 ] || fail "fsck of a doubly owned block: exit $rc: $out"
echo "$out" | grep -q "is owned twice" || fail "fsck: $out"
tried=$((tried + 1))

# an inode record of the wrong size (forged with ldb): fsck reports it
make_store
ldb --db="$W/s/db" --key_hex put 0x490000000000000002 0x00 >/dev/null
rc=0
out=$("$B/dtfs-fsck" "$W/s" 2>&1) || rc=$?
[ $rc -eq 1 ] || fail "fsck of a bad inode record: exit $rc: $out"
echo "$out" | grep -q "bad key/value size" || fail "fsck: $out"
tried=$((tried + 1))

# ---- a store on read-only media ---------------------------------------
mkdir -p "$T/ro"
mount -t tmpfs -o size=32m none "$T/ro" || fail "tmpfs"
"$B/dtfs" "$T/ro/s" "$MNT" -o tracer=off || fail "mount on the tmpfs"
echo keep >"$MNT/k"
umount_ro_pid=$(pgrep -f "^$B/dtfs $T/ro/s " | head -1)
fusermount3 -u "$MNT"
wait_gone "$umount_ro_pid"
mount -o remount,ro "$T/ro"
rc=0
out=$("$B/dtfs" "$T/ro/s" "$MNT" 2>&1) || rc=$?
[ $rc -ne 0 ] || fail "dtfs mounted a store on read-only media"
echo "$out" | grep -q "store not writable" || fail "read-only store: $out"
rc=0
out=$("$B/dtfs" "$T/ro/new" "$MNT" 2>&1) || rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "Read-only file system" ||
	fail "new store on read-only media: exit $rc: $out"
"$B/dtfs-fsck" "$T/ro/s" >/dev/null || fail "dtfs-fsck of a read-only store"
umount "$T/ro"
tried=$((tried + 3))

# ---- garbage dirty logs -------------------------------------------------
L=$T/logs
mkdir -p "$L/adir"
mount_dtfs
echo a >"$MNT/a"
echo b >>"$MNT/a"
umount_dtfs
cp "$STORE/dirty.log" "$L/good"
sz=$(stat -c %s "$L/good")
: >"$L/empty"
head -c 5000 /dev/urandom >"$L/random"
head -c 20 "$L/good" >"$L/shortheader"
cp "$L/good" "$L/version"
printf '\x63' | dd of="$L/version" bs=1 seek=8 conv=notrunc status=none
head -c $((sz - 7)) "$L/good" >"$L/torn"
cp "$L/good" "$L/damaged"
printf 'ZZZZ' | dd of="$L/damaged" bs=1 seek=$((sz / 2)) conv=notrunc status=none
{ cat "$L/good"; head -c 3000 /dev/urandom; } >"$L/garbagetail"
for f in empty random shortheader version adir missing; do
	for c in show json check stats "timeline /a"; do
		rc=0
		# shellcheck disable=SC2086
		out=$("$B/dtfs-log" $c "$L/$f" 2>&1 >/dev/null) || rc=$?
		[ $rc -eq 2 ] || fail "dtfs-log $c $f: exit $rc, want 2: $out"
		[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "dtfs-log $c $f: $out"
		tried=$((tried + 1))
	done
	rc=0
	"$B/dtfs-log" diff "$L/good" "$L/$f" >/dev/null 2>&1 || rc=$?
	[ $rc -eq 2 ] || fail "dtfs-log diff good $f: exit $rc"
	tried=$((tried + 1))
done
"$B/dtfs-log" show "$L/version" 2>&1 | grep -q "version 99" ||
	fail "a log of another version is not named as such"
for f in torn damaged garbagetail; do
	for c in show json stats "timeline /a"; do
		rc=0
		# shellcheck disable=SC2086
		out=$("$B/dtfs-log" $c "$L/$f" 2>&1 >/dev/null) || rc=$?
		[ $rc -eq 0 ] || fail "dtfs-log $c $f: exit $rc: $out"
		echo "$out" | grep -q "skipped" || fail "dtfs-log $c $f said nothing: $out"
		tried=$((tried + 1))
	done
done
# check: a torn tail is what a crash leaves (exit 0), damage inside is not
"$B/dtfs-log" check "$L/torn" >/dev/null 2>&1 || fail "check of a torn log"
"$B/dtfs-log" check "$L/garbagetail" >/dev/null 2>&1 || fail "check, garbage tail"
rc=0
"$B/dtfs-log" check "$L/damaged" >/dev/null 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "check of a damaged log: exit $rc, want 1"
# the records around the damage are still read
good=$("$B/dtfs-log" show "$L/good" | wc -l)
dmg=$("$B/dtfs-log" show "$L/damaged" 2>/dev/null | wc -l)
[ "$dmg" -ge $((good - 2)) ] && [ "$dmg" -lt "$good" ] ||
	fail "damaged log: $dmg of $good records read"
tried=$((tried + 3))
echo "bad inputs tried: $tried"
