# Who may do what on a mount. With -o allow_other (as root): another user
# (nobody) reads a world-readable file but each control ioctl is refused
# with EPERM (dtfsctl: one line, exit 1) and changes nothing, while root's
# succeed; the kernel checks permissions (default_permissions): a 0600 file
# of root's is EACCES to nobody, so are writes and creates. Without
# allow_other nobody cannot reach the mount at all; mountinfo shows
# default_permissions, and allow_other only when asked for. Malformed
# ioctls (sizes, directions, numbers, magic, fields) get their errno and
# the daemon keeps serving; a single-threaded daemon refuses any gate.
need setpriv
chmod 755 "$T" # nobody must reach $MNT
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}
opts_of() { # the mount's options from mountinfo (per-mount and super)
	awk -v m="$MNT" '$5 == m {for (i = 7; $i != "-"; i++); print $6 "," $(i + 3)}' \
		/proc/self/mountinfo | tail -1
}

mount_dtfs -o allow_other
pid=$(daemon_pid)
echo public >"$MNT/pub"
chmod 644 "$MNT/pub"
echo secret >"$MNT/secret"
chmod 600 "$MNT/secret"
o=$(opts_of)
echo "$o" | grep -qw allow_other || fail "allow_other not in mountinfo: $o"
echo "$o" | grep -qw default_permissions || fail "default_permissions not in mountinfo: $o"

# nobody reads what everyone may read
[ "$(as_nobody cat "$MNT/pub")" = public ] || fail "nobody cannot read a 0644 file"
# ...and not what only root may (the kernel's check, default_permissions)
rc=0
out=$(as_nobody cat "$MNT/secret" 2>&1) || rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "Permission denied" ||
	fail "nobody read a 0600 root file: $out"
rc=0
out=$(as_nobody sh -c "echo x >>'$MNT/pub'" 2>&1) || rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "Permission denied" ||
	fail "nobody wrote a 0644 root file: $out"
rc=0
out=$(as_nobody touch "$MNT/new" 2>&1) || rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "Permission denied" ||
	fail "nobody created a file in root's 0755 directory: $out"
[ ! -e "$MNT/new" ] || fail "$MNT/new exists"
[ "$(cat "$MNT/pub")" = public ] || fail "pub changed"

# control ioctls: EPERM for nobody, one line each, nothing changes
n=0
while read -r what; do
	rc=0
	# shellcheck disable=SC2086
	out=$(as_nobody "$B/dtfsctl" $what 2>&1) || rc=$?
	[ $rc -eq 1 ] || fail "nobody: dtfsctl $what: exit $rc, want 1: $out"
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "dtfsctl $what: not one line: $out"
	echo "$out" | grep -q ": Operation not permitted$" ||
		fail "nobody: dtfsctl $what: not EPERM: $out"
	n=$((n + 1))
done <<EOF
status $MNT/pub
mark -m $MNT nobody was here
evict $MNT/pub
gate $MNT/pub --reads 1
release $MNT/pub
wait-gated $MNT/pub --timeout 1
policy -m $MNT on_violation=abort release=evict
policy -m $MNT
EOF
# root may; and nothing of nobody's got through
st=$("$B/dtfsctl" status "$MNT/pub") || fail "root: dtfsctl status failed"
echo "$st" | grep -q "^policy: on_violation=warn release=writeback$" ||
	fail "policy changed by nobody: $(echo "$st" | grep policy)"
echo "$st" | grep -q "gate reads=0 writes=0 held=0" || fail "gate set by nobody: $st"
"$B/dtfsctl" mark -m "$MNT" root was here || fail "root: mark"
[ "$(as_nobody cat "$MNT/pub")" = public ] || fail "nobody cannot read after the refusals"
[ "$(daemon_pid)" = "$pid" ] || fail "daemon changed"
umount_dtfs
"$B/dtfs-log" show "$STORE/dirty.log" | grep -q "root was here" || fail "root's mark not logged"
"$B/dtfs-log" show "$STORE/dirty.log" | grep -q "nobody was here" && fail "nobody's mark logged"
pass "$n control ioctls refused to nobody"

# without allow_other: nobody cannot reach the mount at all
mount_dtfs
pid=$(daemon_pid)
o=$(opts_of)
echo "$o" | grep -qw default_permissions || fail "default_permissions not in mountinfo: $o"
echo "$o" | grep -qw allow_other && fail "allow_other in mountinfo without asking: $o"
for c in "stat $MNT" "ls $MNT" "cat $MNT/pub" "$B/dtfsctl status $MNT/pub"; do
	rc=0
	# shellcheck disable=SC2086
	out=$(as_nobody $c 2>&1) || rc=$?
	[ $rc -ne 0 ] && echo "$out" | grep -q "Permission denied" ||
		fail "nobody without allow_other: $c: exit $rc: $out"
done
[ "$(cat "$MNT/pub")" = public ] || fail "root cannot read"

# malformed ioctls reaching the daemon: each its errno, the daemon serves on
out=$("$B/dt-ioctl-bad" "$MNT/pub" 2>&1) || fail "malformed ioctls: $(echo "$out" | grep -v '^ok')"
nbad=$(grep -c '^ok ' <<<"$out")
[ "$nbad" -ge 30 ] || fail "only $nbad ioctl cases: $out"
[ "$(cat "$MNT/pub")" = public ] || fail "read after malformed ioctls"
echo more >>"$MNT/pub"
[ "$(tail -1 "$MNT/pub")" = more ] || fail "write after malformed ioctls"
[ "$(daemon_pid)" = "$pid" ] || fail "daemon changed after malformed ioctls"
"$B/dtfsctl" status "$MNT/pub" >/dev/null || fail "status after malformed ioctls"
umount_dtfs
"$B/dtfs-log" show "$STORE/dirty.log" | grep -q "after bad ioctls" || fail "good mark after the bad ones not logged"
pass "$nbad ioctl cases"

# a gate would hold the only thread of -s (and with it the release): refused
mount_dtfs -s
rc=0
out=$("$B/dtfsctl" gate "$MNT/pub" --reads 1 2>&1) || rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "Invalid argument$" || fail "gate on -s: exit $rc: $out"
[ "$(head -1 "$MNT/pub")" = public ] || fail "read on -s after the refused gate"
umount_dtfs
# and with max_threads=3 one request may be held, not two
mount_dtfs -o max_threads=3
rc=0
out=$("$B/dtfsctl" gate "$MNT/pub" --reads 2 2>&1) || rc=$?
[ $rc -eq 1 ] || fail "gate of 2 with max_threads=3: exit $rc: $out"
"$B/dtfsctl" gate "$MNT/pub" --reads 1 || fail "gate of 1 with max_threads=3"
"$B/dtfsctl" release "$MNT/pub" || fail "release"
umount_dtfs
fsck_clean

# the store is the daemon's alone: directories 0700, files 0600, also
# db/ of a store made with a looser umask before (closed off at mount)
chmod 0755 "$STORE/db"
(umask 022 && mount_dtfs)
echo data >"$MNT/f"
sync
loose=$(find "$STORE" -perm /077 -printf '%m %p\n')
[ -z "$loose" ] || fail "store files readable by others: $loose"
umount_dtfs
