# Dirty tracking with the tracer: a shared-mmap store + msync logs a
# write-notify dirtying and then a writepage, with no violation; write()
# logs write-begin; dtfsctl evict drops residency; a mark shows up.
mount_dtfs -o tracer=on
"$B/dtfsctl" status "$MNT" >/dev/null 2>&1 || true
"$B/dt-mnt-helper" mmap "$MNT/m" || fail "mmap helper"
echo hello > "$MNT/w"
cat "$MNT/w" >/dev/null
"$B/dtfsctl" status "$MNT/w" | grep -q "resident" || fail "w not resident after read"
"$B/dtfsctl" evict "$MNT/w" || fail "evict"
sleep 0.3
"$B/dtfsctl" status "$MNT/w" | grep -q "resident" && fail "w still resident after evict"
"$B/dtfsctl" mark -m "$MNT" "test marker 42" || fail "mark"
st=$("$B/dtfsctl" status "$MNT/m")
echo "$st" | grep -q "^tracer: on" || fail "tracer not on: $st"
umount_dtfs
L=$STORE/dirty.log
"$B/dtfs-log" show "$L" > "$T/show"
# dirty via write-notify, then a writepage of that page
awk '/kernel +dirty +\/m .*class=write-notify/ {d=1} d && /fuse +writepage +\/m/ {w=1} END {exit !(d && w)}' "$T/show" ||
	fail "no write-notify dirtying followed by writepage for /m: $(head -40 "$T/show")"
grep -qE "fuse +write +/w .*class=write-begin" "$T/show" || fail "no write-begin for /w"
grep -qE "kernel +cache-del +/w" "$T/show" || fail "no cache-del for /w after evict"
grep -q "test marker 42" "$T/show" || fail "marker missing"
grep -q VIOLATION "$T/show" && fail "violation logged: $(grep VIOLATION "$T/show" | head -3)"
"$B/dtfs-log" check "$L" > "$T/check" || fail "check not clean: $(cat "$T/check")"
"$B/dtfs-log" json "$L" | head -3 | grep -q '"event":"mount"' || fail "json first record not mount"
"$B/dtfs-log" timeline /m "$L" -o "$T/m.svg" || fail "timeline"
grep -q "<rect" "$T/m.svg" || fail "timeline has no page spans"
