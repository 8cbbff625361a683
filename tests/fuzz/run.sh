#!/usr/bin/env bash
# Run libFuzzer targets: tests/fuzz/run.sh [--keep] BUILDDIR SECONDS TARGET...
#
# For each target: first every regression input in tests/fuzz/regress/TARGET
# (past findings: each must run clean), then SECONDS of fuzzing from the seed
# corpus tests/fuzz/corpus/TARGET. Without --keep the fuzzer works on a copy
# of the corpus (the suite never changes the tree); with --keep new inputs
# are added to it. A crash leaves its input as BUILDDIR/crash-* and fails.
# Prints per target: regression inputs run, executions, corpus size.
set -euo pipefail
keep=0
if [ "${1:-}" = --keep ]; then keep=1; shift; fi
B=${1:?usage: run.sh [--keep] BUILDDIR SECONDS TARGET...}
secs=${2:?seconds}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
for t in "$@"; do
	bin=$B/$t
	[ -x "$bin" ] || { echo "run.sh: no $bin (make fuzz-build)" >&2; exit 2; }
	reg=$here/regress/$t
	nreg=0
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
		nreg=$(ls "$reg" | wc -l)
		"$bin" -runs=0 "$reg"/* > "$B/$t.regress.log" 2>&1 ||
			{ tail -30 "$B/$t.regress.log"; echo "FAIL $t: a regression input fails" >&2; exit 1; }
	fi
	corpus=$here/corpus/$t
	if [ $keep = 0 ]; then
		work=$(mktemp -d)
		cp -r "$corpus/." "$work/"
		corpus=$work
	fi
	# the suite's short run uses a fixed seed: the same inputs every time
	seed=()
	[ $keep = 1 ] || seed=(-seed=1)
	if ! "$bin" "${seed[@]}" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$B/" -rss_limit_mb=2048 -timeout=10 "$corpus" \
		> "$B/$t.log" 2>&1; then
		tail -40 "$B/$t.log"
		echo "FAIL $t: the fuzzer found a crash (input in $B/crash-*); add it to $reg" >&2
		exit 1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/$t.log")
	echo "PASS $t: $nreg regression inputs, $execs executions in ${secs}s, corpus $(ls "$corpus" | wc -l) inputs"
	[ $keep = 1 ] || rm -rf "$corpus"
done
