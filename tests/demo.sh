#!/usr/bin/env bash
# make demo: mount dtfs on a fresh store in a temp dir, run a short mixed
# workload (write(), shared-mmap stores, rename, symlink, xattr, truncate),
# show the result, remount to show it persisted, fsck, unmount, clean up.
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
D=$(mktemp -d /tmp/dtfs-demo.XXXXXX)
STORE=$D/store MNT=$D/mnt
mkdir -p "$MNT"
cleanup() {
	mountpoint -q "$MNT" 2>/dev/null && fusermount3 -uz "$MNT"
	rm -rf "$D"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
unmount() {
	local pid
	pid=$(pgrep -f "^$B/dtfs $STORE " | head -1 || true)
	fusermount3 -u "$MNT"
	while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

step "mount: dtfs $STORE $MNT"
"$B/dtfs" "$STORE" "$MNT"
grep " $MNT " /proc/mounts

step "workload: mkdir, write(), shared-mmap stores, rename, symlink, xattr, truncate"
mkdir -p "$MNT/project/src"
for i in 1 2 3; do
	seq 1 $((i * 1000)) > "$MNT/project/src/file$i.txt"
done
head -c 1048576 /dev/urandom > "$MNT/project/blob.bin"
"$B/dt-mnt-helper" mmap "$MNT/project/mapped.bin"
mv "$MNT/project/src/file3.txt" "$MNT/project/renamed.txt"
ln -s src/file1.txt "$MNT/project/link"
setfattr -n user.demo -v "hello from dtfs" "$MNT/project/blob.bin"
truncate -s 4000 "$MNT/project/src/file2.txt"
sync -f "$MNT/project/blob.bin"

step "result"
ls -lR "$MNT/project"
getfattr -d "$MNT/project/blob.bin"
(cd "$MNT/project" && sha256sum blob.bin mapped.bin renamed.txt) | tee "$D/sums"
df -h "$MNT"

step "remount: everything is still there"
unmount
"$B/dtfs" "$STORE" "$MNT"
(cd "$MNT/project" && sha256sum -c "$D/sums")
cat "$MNT/project/link" | tail -1

step "fsck: dtfs-fsck $STORE"
unmount
"$B/dtfs-fsck" -v "$STORE"
echo
echo "demo done: store and mount removed"
