# Set-ID bits as the kernel's should_remove_suid() drops them (xfstests
# generic/683, 684, 685): a write, truncate, fallocate, punch or zero by a
# user without CAP_FSETID drops set-user-ID, and set-group-ID when the file
# is group-executable or the user is not in its group; root keeps both; a
# member of the group keeps set-group-ID on a file that is not
# group-executable. chmod g+s by the owner outside the group does not set
# it. Needs -o allow_other (nobody acts on root's files).
need setpriv fallocate truncate
chmod 755 "$T"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
as_member() { setpriv --reuid=65534 --regid=0 --clear-groups -- "$@"; }
mount_dtfs -o allow_other
mkdir "$MNT/d"
chmod 777 "$MNT/d"
f=$MNT/d/a

# check WHO SETUP_MODE WANT_MODE CMD...: mode after CMD as WHO
check() {
	local who=$1 mode=$2 want=$3 got
	shift 3
	rm -f "$f"
	head -c 196608 /dev/zero | tr '\0' X >"$f"
	chmod "$mode" "$f"
	case $who in
	root) "$@" ;;
	nobody) as_nobody "$@" ;;
	member) as_member "$@" ;;
	esac || fail "$who: $* failed"
	got=$(stat -c %a "$f")
	[ "$got" = "$want" ] || fail "$who: $*: mode $mode became $got, want $want"
}

for op in "fallocate -o 65536 -l 65536" "fallocate -p -o 65536 -l 65536" \
	"fallocate -z -o 65536 -l 65536" "truncate -s 1000" \
	"sh -c 'echo x >>\"\$0\"'"; do
	# shellcheck disable=SC2086
	set -- $op
	if [ "$1" = sh ]; then set -- sh -c 'echo x >>"$0"'; fi
	check nobody 6666 666 "$@" "$f"
	check nobody 6676 676 "$@" "$f"
	check nobody 6766 766 "$@" "$f"
	check nobody 6777 777 "$@" "$f"
	check nobody 2676 676 "$@" "$f"
	check nobody 2777 777 "$@" "$f"
	check root 6666 6666 "$@" "$f"
	check root 6676 6676 "$@" "$f"
	check root 6777 6777 "$@" "$f"
	check member 6666 2666 "$@" "$f"
	check member 6676 676 "$@" "$f"
	pass "$op"
done

# O_TRUNC open by nobody
check nobody 6666 666 sh -c ': >"$0"' "$f"
check nobody 6766 766 sh -c ': >"$0"' "$f"

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
mount_dtfs -o allow_other
got=$(stat -c %a "$MNT/d/own")
[ "$got" = 2755 ] || fail "mode after remount $got, want 2755"
umount_dtfs
fsck_clean
