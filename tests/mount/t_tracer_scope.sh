# The BPF tracer sees every filesystem's pages, and must log only ours:
# while dtfs runs with the tracer on, a tmpfs and the disk under /tmp get
# write(), mmap stores, page-cache fills and deletes at far higher volume
# than the dtfs files. Every kernel record in the dirty log names an
# inode of this dtfs mount, and none names an inode of the other files.
need python3
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF: the tracer cannot load"
mount_dtfs -o tracer=on
OTHER=$T/other
mkdir -p "$OTHER"
mount -t tmpfs -o size=64m none "$OTHER" || fail "tmpfs"
trap 'cleanup; umount -l "$OTHER" 2>/dev/null' EXIT
load() { # DIR TAG: write(), mmap stores, reads and deletes
	python3 - "$1" "$2" <<'EOF'
import mmap, os, sys
d, tag = sys.argv[1], sys.argv[2]
for i in range(int(os.environ.get("N", "20"))):
    p = os.path.join(d, "%s%d" % (tag, i))
    with open(p, "wb") as f:
        f.write(b"w" * 65536)
    with open(p, "r+b") as f:
        m = mmap.mmap(f.fileno(), 65536)
        for off in range(0, 65536, 4096):
            m[off] = 0x4d
        m.flush()
        m.close()
    with open(p, "rb") as f:
        f.read()
    if i % 2 and tag != "m":
        os.unlink(p)
EOF
}
N=200 load "$OTHER" t &
N=200 load "$T" d &
N=5 load "$MNT" m
wait
ours=$(stat -c %i "$MNT"/m* | sort -u)
theirs=$( (stat -c %i "$OTHER"/t* "$T"/d*) | sort -u)
umount_dtfs
"$B/dtfs-log" json "$STORE/dirty.log" |
	python3 -c '
import json, sys
ours = set(int(x) for x in sys.argv[1].split())
theirs = set(int(x) for x in sys.argv[2].split()) - ours
kernel = foreign = 0
for line in sys.stdin:
    r = json.loads(line)
    if r["source"] != "kernel":
        continue
    kernel += 1
    if r["ino"] in theirs:
        foreign += 1
        print("record of another filesystem:", line.strip())
    elif r["ino"] not in ours and r["ino"] != 1:
        foreign += 1
        print("record of an inode not on this mount:", line.strip())
print("kernel records:", kernel, "foreign:", foreign)
sys.exit(1 if foreign or not kernel else 0)
' "$ours" "$theirs" || fail "the tracer logged pages of other filesystems (or none of ours)"
