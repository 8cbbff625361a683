# FUSE_HANDLE_KILLPRIV_V2 (dtfs(7), "Set-ID bits"): dtfs accepts it when
# the kernel offers it, and then the kernel stops asking for
# security.capability before every write; what it no longer does, dtfs
# does: chown drops set-user-ID (even by root) and set-group-ID when
# group-executable or the caller is not in the group; a write, truncate
# or chown removes security.capability, whoever does it. With
# DTFS_KILLPRIV_V2=0 the kernel does it all, as before. (Writes, truncates
# and O_TRUNC opens by users without CAP_FSETID: t_setid.)
need setpriv setcap getcap setfattr getfattr truncate
chmod 755 "$T"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
as_member() { setpriv --reuid=65534 --regid=0 --clear-groups -- "$@"; }
log=$STORE/dtfs.log

# N writes (write-through, one WRITE each) to a fresh file, then unmount:
# the daemon's count of GETXATTR security.capability requests. Not
# O_DIRECT: with direct_io the kernel asks for nothing before a direct
# write (dtfs(7), "O_DIRECT and the page cache").
caps_asked() {
	local n=$1
	rm -f "$MNT/w"
	dd if=/dev/zero of="$MNT/w" bs=4096 count="$n" status=none ||
		fail "dd to $MNT/w failed"
	umount_dtfs
	sed -n 's/.*of security.capability: \([0-9]*\)).*/\1/p' "$log" |
		tail -1
}

# bad values are refused before anything is mounted
if DTFS_KILLPRIV_V2=maybe "$B/dtfs" "$STORE" "$MNT" 2>"$T/err"; then
	fail "DTFS_KILLPRIV_V2=maybe was accepted"
fi
grep -q 'DTFS_KILLPRIV_V2=maybe' "$T/err" ||
	fail "DTFS_KILLPRIV_V2=maybe: no clear message: $(cat "$T/err")"
mountpoint -q "$MNT" && fail "mounted despite DTFS_KILLPRIV_V2=maybe"

mount_dtfs -o allow_other
grep -q 'killpriv_v2 off (the kernel does not offer it)' "$log" &&
	skip "the kernel offers no FUSE_HANDLE_KILLPRIV_V2 ($(uname -r))"
grep -q 'killpriv_v2 on' "$log" ||
	fail "killpriv_v2 not on: $(grep killpriv "$log")"
on=$(caps_asked 200)
DTFS_KILLPRIV_V2=0 mount_dtfs -o allow_other
grep -q 'killpriv_v2 off (DTFS_KILLPRIV_V2=0)' "$log" ||
	fail "DTFS_KILLPRIV_V2=0 not logged: $(grep killpriv "$log" | tail -1)"
off=$(caps_asked 200)
# off: one per write; on: the first write of the inode at most
[ "${off:-0}" -ge 200 ] || fail "killpriv_v2 off: $off GETXATTRs for 200 writes"
[ "${on:-999}" -le 2 ] || fail "killpriv_v2 on: $on GETXATTRs for 200 writes"
pass "security.capability asked $on times on, $off times off, per 200 writes"

# chown MODE AS OWNER:GROUP WANT: the mode after chown by AS
check_chown() {
	local mode=$1 who=$2 to=$3 want=$4 f=$MNT/d/c got
	rm -f "$f"
	: >"$f"
	chown 65534:65534 "$f"
	chmod "$mode" "$f"
	case $who in
	root) chown "$to" "$f" ;;
	member) as_member chgrp "$to" "$f" ;;
	nobody) as_nobody chgrp "$to" "$f" ;;
	esac || fail "$who: chown $to of mode $mode failed"
	got=$(stat -c %a "$f")
	[ "$got" = "$want" ] ||
		fail "$who: chown $to: mode $mode became $got, want $want"
}

# a write, truncate, chown by root: security.capability goes
check_caps() {
	local op=$1 f=$MNT/d/x
	rm -f "$f"
	echo data >"$f"
	setcap cap_net_raw+ep "$f" || fail "setcap on $f failed"
	getcap "$f" | grep -q cap_net_raw || fail "setcap did not stick"
	setfattr -n user.keep -v 1 "$f"
	case $op in
	write) echo more >>"$f" ;;
	truncate) truncate -s 2 "$f" ;;
	chown) chown 65534 "$f" ;;
	otrunc) : >"$f" ;;
	esac || fail "$op after setcap failed"
	[ -z "$(getcap "$f")" ] || fail "$op kept the capability: $(getcap "$f")"
	[ "$(getfattr --only-values -n user.keep "$f")" = 1 ] ||
		fail "$op removed user.keep"
}

for mode in default off; do
	if [ $mode = off ]; then
		DTFS_KILLPRIV_V2=0 mount_dtfs -o allow_other
	else
		mount_dtfs -o allow_other
	fi
	mkdir -p "$MNT/d"
	chmod 777 "$MNT/d"
	check_chown 6755 root 0 755
	check_chown 4755 root 0:0 755
	check_chown 2755 root 0 755
	check_chown 2745 root 0 2745 # root keeps set-group-ID without x
	check_chown 6744 root 0 2744
	check_chown 2744 nobody 65534 2744 # in the file's group
	check_chown 4744 nobody 65534 744
	check_chown 2754 nobody 65534 754
	# the owner leaves a group it is not in: setattr_should_drop_sgid()
	# asks about the group the file has, not the new one
	check_chown 2744 member 0 744
	pass "chown ($mode)"
	for op in write truncate chown otrunc; do
		check_caps $op
	done
	pass "security.capability goes with write, truncate, chown ($mode)"
	umount_dtfs
done

# the modes are the store's, not only the kernel's cache
mount_dtfs
got=$(stat -c %a "$MNT/d/c")
[ "$got" = 744 ] || fail "mode after remount $got, want 744"
[ -z "$(getcap "$MNT/d/x")" ] || fail "capability back after remount"
umount_dtfs
fsck_clean
