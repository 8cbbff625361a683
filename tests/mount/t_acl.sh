# POSIX ACLs (dtfs(7), "POSIX ACLs"; xfstests generic/099, 319, 375, 444,
# 697): the kernel enforces them, setfacl sets the mode (and an ACL the
# mode says alone is not kept), chmod rewrites the mask, a default ACL is
# inherited by files, fifos and directories with the create mode masked by
# it and the umask unused (the umask applies without one), setfacl by an
# owner outside the file's group drops set-group-ID, and all of it is in
# the store after a remount.
need setpriv setfacl getfacl
chmod 755 "$T"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
acl_of() { getfacl -n -c -p "$1" 2>/dev/null | grep -v '^$' | tr '\n' ' '; }
mount_dtfs -o allow_other
umask 022

# enforcement and the mode
echo data >"$MNT/f"
chmod 640 "$MNT/f"
if ! as_nobody cat "$MNT/f" >/dev/null 2>&1; then :; else fail "nobody read a 0640 file"; fi
setfacl -m u:65534:rw "$MNT/f" || fail "setfacl -m u:65534:rw"
[ "$(stat -c %a "$MNT/f")" = 660 ] || fail "mode after setfacl: $(stat -c %a "$MNT/f"), want 660 (mask rw)"
[ "$(as_nobody cat "$MNT/f")" = data ] || fail "the ACL entry does not let nobody read"
as_nobody sh -c "echo more >>'$MNT/f'" || fail "the ACL entry does not let nobody write"
chmod 600 "$MNT/f"
acl_of "$MNT/f" | grep -q "mask::---" || fail "chmod 600 left the mask: $(acl_of "$MNT/f")"
if as_nobody cat "$MNT/f" >/dev/null 2>&1; then fail "nobody read after chmod 600 masked the entry"; fi
chmod 660 "$MNT/f"
[ "$(as_nobody head -1 "$MNT/f")" = data ] || fail "chmod 660 did not restore the mask"
# an ACL the mode says alone: the mode, no xattr
setfacl -b "$MNT/f"
[ "$(stat -c %a "$MNT/f")" = 640 ] || fail "setfacl -b: mode $(stat -c %a "$MNT/f"), want 640 (the group entry, no mask)"
getfattr -m - -d "$MNT/f" 2>/dev/null | grep -q posix_acl && fail "setfacl -b left an ACL xattr"
setfacl -m u::rwx,g::r,o::r "$MNT/f"
[ "$(stat -c %a "$MNT/f")" = 744 ] || fail "setfacl u::rwx,g::r,o::r: mode $(stat -c %a "$MNT/f"), want 744"
# a deny entry: the named user is refused although others may read
setfacl -m u:65534:---,o::r "$MNT/f"
if as_nobody cat "$MNT/f" >/dev/null 2>&1; then fail "nobody read through a --- entry"; fi

# inheritance
mkdir "$MNT/d"
setfacl -d -m u:65534:rwx,g::rx,o::- "$MNT/d"
: >"$MNT/d/file"
[ "$(stat -c %a "$MNT/d/file")" = 660 ] || fail "inherited file mode $(stat -c %a "$MNT/d/file"), want 660 (0666 masked, umask unused)"
acl_of "$MNT/d/file" | grep -q "user:65534:rwx" || fail "file did not inherit: $(acl_of "$MNT/d/file")"
mkdir "$MNT/d/sub"
[ "$(stat -c %a "$MNT/d/sub")" = 770 ] || fail "inherited dir mode $(stat -c %a "$MNT/d/sub"), want 770"
acl_of "$MNT/d/sub" | grep -q "default:user:65534:rwx" || fail "subdir has no default ACL: $(acl_of "$MNT/d/sub")"
mkfifo "$MNT/d/fifo"
acl_of "$MNT/d/fifo" | grep -q "user:65534:rwx" || fail "fifo did not inherit"
[ "$(as_nobody cat "$MNT/d/file"; echo ok)" = ok ] || fail "nobody cannot read the inherited file"
(umask 077 && : >"$MNT/d/u077")
[ "$(stat -c %a "$MNT/d/u077")" = 660 ] || fail "umask applied under a default ACL: $(stat -c %a "$MNT/d/u077")"
(umask 077 && : >"$MNT/plain")
[ "$(stat -c %a "$MNT/plain")" = 600 ] || fail "umask not applied without a default ACL: $(stat -c %a "$MNT/plain")"
rc=0
setfacl -d -m u::rwx "$MNT/plain" 2>/dev/null || rc=$?
[ $rc -ne 0 ] || fail "a default ACL was set on a file"

# setfacl by the owner outside the file's group drops SGID; root keeps it
mkdir "$MNT/sg"
chmod 777 "$MNT/sg"
as_nobody sh -c ": >'$MNT/sg/a'"
chown 65534:0 "$MNT/sg/a"
chmod 2775 "$MNT/sg/a"
as_nobody setfacl -m u::rwx,g::rwx,o::rwx "$MNT/sg/a" || fail "owner cannot setfacl"
[ "$(stat -c %a "$MNT/sg/a")" = 777 ] || fail "setfacl by a non-member left SGID: $(stat -c %a "$MNT/sg/a")"
chmod 2775 "$MNT/sg/a"
setfacl -m u::rwx,g::rwx,o::rwx "$MNT/sg/a"
[ "$(stat -c %a "$MNT/sg/a")" = 2777 ] || fail "setfacl by root dropped SGID: $(stat -c %a "$MNT/sg/a")"

before=$(acl_of "$MNT/d/sub"; acl_of "$MNT/d/file"; stat -c %a "$MNT/f")
umount_dtfs
fsck_clean
mount_dtfs -o allow_other
after=$(acl_of "$MNT/d/sub"; acl_of "$MNT/d/file"; stat -c %a "$MNT/f")
[ "$before" = "$after" ] || fail "ACLs differ after remount: $before / $after"
if as_nobody cat "$MNT/f" >/dev/null 2>&1; then fail "the deny entry is gone after remount"; fi
umount_dtfs
fsck_clean
