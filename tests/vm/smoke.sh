#!/usr/bin/env bash
# The VM smoke test of `make check`: tests/vm/smoke.sh BUILDDIR [KERNEL]
#
# Boots Debian's kernel (default 6.1) under dtfs-vm, and in the guest:
# mounts dtfs with the tracer, writes and reads back data through write()
# and a shared mapping, remounts, dtfs-fsck, and runs a few dtfs-pin
# scenarios against their expectations for that kernel. Prints
# "PASS vm_smoke", "FAIL vm_smoke: reason" or "SKIP vm_smoke: reason", then
# "N passed, N failed, N skipped". SKIP only where QEMU cannot run here: not
# an x86_64 host, no qemu-system-x86_64, or the kernel cannot be fetched.
set -u
B=$(cd "${1:?usage: smoke.sh BUILDDIR [KERNEL]}" 2>/dev/null && pwd) ||
	{ echo "smoke.sh: no build directory $1" >&2; exit 2; }
kernel=${2:-6.1}
here=$(cd "$(dirname "$0")" && pwd)
VM=$here/../../tools/vm/dtfs-vm
logs=${DTFS_TEST_LOGS:-/tmp/dtfs-mount-logs}
name=vm_smoke

result() { # PASS|FAIL|SKIP [reason]
	case $1 in
	PASS) echo "PASS $name${2:+ ($2)}"; echo "1 passed, 0 failed, 0 skipped"; exit 0 ;;
	SKIP) echo "SKIP $name: $2"; echo "0 passed, 0 failed, 1 skipped"; exit 0 ;;
	*) echo "FAIL $name: $2"; echo "0 passed, 1 failed, 0 skipped"; exit 1 ;;
	esac
}

[ "$(uname -m)" = x86_64 ] || result SKIP "not an x86_64 host ($(uname -m)): Debian's amd64 kernels only"
command -v qemu-system-x86_64 >/dev/null || result SKIP "no qemu-system-x86_64 (make deps installs qemu-system-x86)"
for p in dtfs dtfs-fsck dtfs-pin; do
	[ -x "$B/$p" ] || result FAIL "not built: $B/$p"
done
out=$(mktemp -d /tmp/dtfs-vm-smoke.XXXXXX)
trap 'rm -rf "$out"' EXIT
if ! "$VM" --fetch --kernel "$kernel" >"$out/fetch" 2>&1; then
	grep -q 'apt-get download\|no linux-image' "$out/fetch" &&
		result SKIP "kernel $kernel cannot be fetched: $(tail -1 "$out/fetch")"
	result FAIL "dtfs-vm --fetch: $(tail -3 "$out/fetch" | tr '\n' ' ')"
fi

start=$(date +%s)
"$VM" --kernel "$kernel" --timeout 600 -- bash "$here/guest-smoke.sh" "$B" "$kernel" \
	>"$out/log" 2>&1
rc=$?
secs=$(($(date +%s) - start))
if [ $rc -ne 0 ]; then
	mkdir -p "$logs"
	cp "$out/log" "$logs/$name.out"
	why=$(grep -E '^(FAIL|dtfs-vm:.*(timeout|without))' "$out/log" | tail -1)
	result FAIL "${why:-exit $rc} (exit $rc, ${secs} s; $logs/$name.out)"
fi
# started in /tmp itself, a command finds the guest's own /tmp there,
# writable (not the host's, read-only, bound over it)
if ! (cd /tmp && "$VM" -q --kernel "$kernel" --timeout 300 -- \
	sh -c '[ "$PWD" = /tmp ] && touch ./.smoke-cwd') >"$out/cwd" 2>&1; then
	mkdir -p "$logs"
	cp "$out/cwd" "$logs/$name.out"
	result FAIL "dtfs-vm started in /tmp: /tmp not writable ($logs/$name.out)"
fi
[ -n "${DTFS_TEST_VERBOSE:-}" ] && sed 's/^/    /' "$out/log"
result PASS "$(grep -m1 '^kernel ' "$out/log"), ${secs} s"
