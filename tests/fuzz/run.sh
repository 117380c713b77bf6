#!/bin/sh
# A short fuzzing run of every target in tests/fuzz:
#   tests/fuzz/run.sh [SECONDS]      (default 60 seconds per target)
# Builds the targets (build.sh), then runs each one for SECONDS on a copy of its
# seed corpus and its known reproducers (regressions/NAME/), in an empty directory.
# Exits 1 if an input crashed, leaked, ran out of memory or took too long, after
# printing where the reproducer is; 77 (skipped) if clang's libFuzzer is missing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-60}
cc=${CC:-clang}

work=$(mktemp -d "${TMPDIR:-/tmp}/baton-fuzz-run.XXXXXX")
keep=false
# shellcheck disable=SC2317 # called by the trap
cleanup() { $keep || rm -rf "$work"; }
trap cleanup EXIT

printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d[0] + (int)n; }\n' \
	>"$work/probe.c"
if ! command -v "$cc" >/dev/null 2>&1 ||
	! "$cc" -fsanitize=fuzzer,address,undefined "$work/probe.c" -o "$work/probe" 2>/dev/null; then
	echo "fuzz: SKIP: $cc cannot build libFuzzer targets (see tests/fuzz/README.md)"
	exit 77
fi

"$here/build.sh" "$work/build" >"$work/build.log" 2>&1 || {
	cat "$work/build.log"
	echo "fuzz: FAIL: the build failed"
	exit 1
}

status=0
for target in "$work"/build/fuzz_*; do
	[ -x "$target" ] || continue
	name=$(basename "$target")
	short=${name#fuzz_}
	corpus=$work/corpus-$short
	rundir=$work/run-$short
	artifacts=$work/artifacts-$short
	mkdir -p "$corpus" "$rundir" "$artifacts"
	for dir in "$here/corpus/$short" "$here/regressions/$short"; do
		if [ -d "$dir" ]; then
			cp "$dir"/* "$corpus"/ 2>/dev/null || true
		fi
	done
	# -report_slow_units: an input under the timeout is no finding, and the
	# slow-unit-* file libFuzzer writes past 10 s would count as one below
	set -- -max_total_time="$seconds" -timeout=20 -report_slow_units=20 -rss_limit_mb=2048 \
		-max_len=4096 -print_final_stats=1 -artifact_prefix="$artifacts/"
	[ -f "$here/$short.dict" ] && set -- "$@" -dict="$here/$short.dict"

	rc=0
	start=$(date +%s)
	(cd "$rundir" && ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$target" "$@" "$corpus" >"$work/$name.log" 2>&1) || rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log" | tail -n 1)
	echo "fuzz: $name: ${execs:-?} executions in ${took} s" \
		"($(( ${execs:-0} / (took > 0 ? took : 1) ))/s)"
	if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$artifacts")" ]; then
		status=1
		keep=true
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error:|ALARM|    #[0-4] )' \
			"$work/$name.log" | head -n 20 || true
		echo "fuzz: FAIL: $name exited with status $rc; log: $work/$name.log"
		for f in "$artifacts"/*; do
			[ -e "$f" ] && echo "fuzz: reproducer: $f (replay: $target $f)"
		done
	fi
done
[ "$status" -eq 0 ] && echo "fuzz: OK"
exit "$status"
