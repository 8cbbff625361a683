# Set-ID bits as the kernel's should_remove_suid() drops them (xfstests
# generic/683, 684, 685): a write, truncate, fallocate, punch or zero by a
# user without CAP_FSETID drops set-user-ID, and set-group-ID when the file
# is group-executable or the user is not in its group; root keeps both; a
# member of the group keeps set-group-ID on a file that is not
# group-executable. chmod g+s by the owner outside the group does not set
# it. The same with -o writeback_cache. Needs -o allow_other (nobody acts
# on root's files).
need setpriv fallocate truncate
chmod 755 "$T"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
as_member() { setpriv --reuid=65534 --regid=0 --clear-groups -- "$@"; }
mount_dtfs -o allow_other
mkdir "$MNT/d"
chmod 777 "$MNT/d"
f=$MNT/d/a

# shellcheck disable=SC2016 # each script gets the file as $1
script_of() {
	case $1 in
	falloc) echo 'fallocate -o 65536 -l 65536 "$1"' ;;
	punch) echo 'fallocate -p -o 65536 -l 65536 "$1"' ;;
	zero) echo 'fallocate -z -o 65536 -l 65536 "$1"' ;;
	truncate) echo 'truncate -s 1000 "$1"' ;;
	write) echo 'echo x >>"$1"' ;;
	otrunc) echo ': >"$1"' ;;
	esac
}

# check WHO SETUP_MODE WANT_MODE OP: the mode after OP on the file as WHO
check() {
	local who=$1 mode=$2 want=$3 op=$4 got
	rm -f "$f"
	head -c 196608 /dev/zero | tr '\0' X >"$f"
	chmod "$mode" "$f"
	case $who in
	root) sh -c "$(script_of "$op")" sh "$f" ;;
	nobody) as_nobody sh -c "$(script_of "$op")" sh "$f" ;;
	member) as_member sh -c "$(script_of "$op")" sh "$f" ;;
	esac || fail "$who: $op failed"
	got=$(stat -c %a "$f")
	[ "$got" = "$want" ] || fail "$who: $op: mode $mode became $got, want $want"
}

for op in falloc punch zero truncate write otrunc; do
	check nobody 6666 666 $op
	check nobody 6676 676 $op
	check nobody 6766 766 $op
	check nobody 6777 777 $op
	check nobody 2676 676 $op
	check nobody 2777 777 $op
	check root 6666 6666 $op
	check root 6676 6676 $op
	check root 6777 6777 $op
	check member 6666 2666 $op
	check member 6676 676 $op
	pass "$op"
done

# chmod g+s by the owner, not a member of the file's group: no SGID
: >"$MNT/d/own"
chown 65534:0 "$MNT/d/own"
as_nobody chmod 2755 "$MNT/d/own" || fail "nobody cannot chmod its own file"
got=$(stat -c %a "$MNT/d/own")
[ "$got" = 755 ] || fail "chmod 2755 by a non-member gave $got, want 755"
as_member chmod 2755 "$MNT/d/own" || fail "member cannot chmod its own file"
got=$(stat -c %a "$MNT/d/own")
[ "$got" = 2755 ] || fail "chmod 2755 by a member gave $got, want 2755"

# the modes are the store's, not only the kernel's cache
umount_dtfs
mount_dtfs -o allow_other,writeback_cache
got=$(stat -c %a "$MNT/d/own")
[ "$got" = 2755 ] || fail "mode after remount $got, want 2755"

# with writeback_cache the WRITEs come from writeback, without the writer:
# the rule applies at the kernel's own SETATTR before the write
for op in falloc truncate write; do
	check nobody 6666 666 $op
	check nobody 2666 666 $op
	check nobody 6766 766 $op
	check root 6666 6666 $op
	check member 6666 2666 $op
	pass "writeback_cache $op"
done
umount_dtfs
fsck_clean
