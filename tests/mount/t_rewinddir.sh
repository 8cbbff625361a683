# rewinddir shows the directory as it is now: a name created after opendir
# is listed once the stream is rewound (dt-sem rewinddir; xfstests
# generic/471), in the root and in a subdirectory with many entries, and
# a listing read to its end twice on one handle is still complete.
SEM=$B/dt-sem
mount_dtfs
"$SEM" rewinddir "$MNT" || fail "root directory"
mkdir "$MNT/big"
for i in $(seq 300); do : >"$MNT/big/f$i"; done
"$SEM" rewinddir "$MNT/big" || fail "directory of 300 entries"
# shellcheck disable=SC2012 # ls -f: every entry readdir gives, . and .. too
n=$(ls -f "$MNT/big" | wc -l)
[ "$n" -eq 303 ] || fail "ls -f lists $n entries, want 303"
umount_dtfs
fsck_clean
