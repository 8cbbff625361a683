#!/usr/bin/env bash
# Compare dirty logs across kernels (make fsx-kernels FSX=/path/to/fsx):
#   tests/vm/fsx-kernels.sh BUILDDIR --fsx PATH [--seed N] [--ops N]
#                           [--kernels "6.1 6.12 host"] [--out DIR] [--max N]
#
# Runs the same fsx seed on a fresh dtfs mount with the tracer on each
# kernel (Debian's through dtfs-vm, "host" directly), keeps each dirty log
# and fsx's output in DIR (default /tmp/dtfs-fsx-kernels), then shows
# `dtfs-log stats` of each and `dtfs-log diff` between each pair, plain
# (the events the workload decides) and with --all. The exit
# status is 0 when fsx passed everywhere (the logs may differ: that is what
# is shown), 1 otherwise.
set -u
B=$(cd "${1:?usage: fsx-kernels.sh BUILDDIR --fsx PATH ...}" 2>/dev/null && pwd) ||
	{ echo "fsx-kernels: no build directory $1" >&2; exit 2; }
shift
here=$(cd "$(dirname "$0")" && pwd)
VM=$here/../../tools/vm/dtfs-vm
fsx="" seed=7 ops=2000 kernels="6.1 6.12 host" out=/tmp/dtfs-fsx-kernels max=8
while [ $# -gt 0 ]; do
	case "$1" in
	--fsx) fsx=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--ops) ops=$2; shift 2 ;;
	--kernels) kernels=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--max) max=$2; shift 2 ;;
	*) echo "fsx-kernels: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$fsx" ] && [ -x "$fsx" ] || { echo "fsx-kernels: --fsx: '$fsx' is not an executable fsx" >&2; exit 2; }
fsx=$(readlink -f "$fsx")
[ "$(id -u)" = 0 ] || { echo "fsx-kernels: needs root (the tracer, and FUSE on the host)" >&2; exit 2; }
mkdir -p "$out" || exit 2
out=$(readlink -f "$out")

# One run: a fresh store under /tmp, the tracer on, fsx with the flags the
# README gives (operations FUSE has not are off), the log kept.
run_one() { # NAME
	local name=$1 t
	t=$(mktemp -d /tmp/fsx-kernels.XXXXXX)
	mkdir -p "$t/m"
	"$B/dtfs" "$t/s" "$t/m" -o tracer=on || { rm -rf "$t"; return 1; }
	(cd "$t" && "$fsx" -q -N "$ops" -S "$seed" -C -I -J -B -0 "$t/m/fsx.file") >"$out/$name.fsx" 2>&1
	local rc=$?
	fusermount3 -u "$t/m"
	for _ in $(seq 100); do
		pgrep -f "^$B/dtfs $t/s " >/dev/null || break
		sleep 0.1
	done
	cp "$t/s/dirty.log" "$out/$name.log"
	rm -rf "$t"
	return $rc
}

# In the guest: the run of one kernel, named by the host.
if [ -n "${FSX_KERNELS_GUEST:-}" ]; then
	run_one "$FSX_KERNELS_GUEST"
	exit
fi

status=0
names=()
for k in $kernels; do
	start=$(date +%s)
	if [ "$k" = host ]; then
		name=host-$(uname -r)
		run_one "$name"
		rc=$?
	else
		krel=$("$VM" --fetch --kernel "$k") || exit 1
		name=$krel
		"$VM" -q --kernel "$k" --out "$out" --timeout 1800 --env "FSX_KERNELS_GUEST=$name" -- \
			"$0" "$B" --fsx "$fsx" --seed "$seed" --ops "$ops" --out "$out"
		rc=$?
	fi
	echo "== $name: fsx -N $ops -S $seed exit $rc, $(($(date +%s) - start)) s (log $out/$name.log)"
	grep -iE 'disabling|fail|error' "$out/$name.fsx" | sed 's/^/   fsx: /' | head -5
	[ $rc -eq 0 ] || status=1
	[ -f "$out/$name.log" ] && names+=("$name")
done
for n in "${names[@]}"; do
	echo "== dtfs-log stats $n"
	"$B/dtfs-log" stats "$out/$n.log" | sed 's/^/   /' | head -25
done
for ((i = 0; i < ${#names[@]}; i++)); do
	for ((j = i + 1; j < ${#names[@]}; j++)); do
		a=${names[i]} b=${names[j]}
		# the events the workload decides, then with those the kernel
		# decides (page-cache insert/delete, faults, reads)
		for all in "" --all; do
			echo "== dtfs-log diff $all --max $max $a $b"
			"$B/dtfs-log" diff $all --max "$max" "$out/$a.log" "$out/$b.log" | sed 's/^/   /'
			echo "   (exit ${PIPESTATUS[0]}: 0 same, 1 different)"
		done
	done
done
exit $status
