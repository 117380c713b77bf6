#!/bin/sh
# Build the fuzz targets with libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer.
#   tests/fuzz/build.sh [OUTDIR]     (default /tmp/baton-fuzz)
# Every src/*/*.c but those of src/cli is compiled, so new modules are picked up as they come.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-/tmp/baton-fuzz}
cc=${CC:-clang}
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)

flags="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -g -O1
	-std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic
	-I$out -I$root/src"

# The libraries the core uses, as meson.build asks pkg-config for them.
# ('threads' is meson's name for -pthread, not a pkg-config package)
deps=$(sed -n "s/.*dependency('\([^']*\)').*/\1/p" "$root/meson.build" | grep -vx -e check -e threads || true)
depcflags=
deplibs=
if [ -n "$deps" ]; then
	# shellcheck disable=SC2086
	depcflags=$(pkg-config --cflags $deps)
	# shellcheck disable=SC2086
	deplibs=$(pkg-config --libs $deps)
fi
deplibs="$deplibs -pthread"

# The generated lexer and parser, made as meson.build makes them.
re2c -W -Werror -c --no-generation-date --no-version -o "$out/lex.c" "$root/grammar/lex.re"
bison -Wall -Werror --defines="$out/parse.h" -o "$out/parse.c" "$root/grammar/parse.y"

rm -f "$out"/obj/*.o
objs=
for src in "$root"/src/*/*.c "$out/lex.c" "$out/parse.c"; do
	case $src in */src/cli/*) continue ;; esac
	obj=$out/obj/$(basename "$(dirname "$src")")-$(basename "$src" .c).o
	# shellcheck disable=SC2086
	$cc $flags $depcflags -c "$src" -o "$obj"
	objs="$objs $obj"
done
rm -f "$out/libbatoncore.a"
# shellcheck disable=SC2086
ar rcs "$out/libbatoncore.a" $objs

for harness in "$root"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$harness" .c)
	case $name in
	# It keeps inputs away from the machine through these (see fuzz_taskfile.c).
	fuzz_taskfile) wraps="-Wl,--wrap=source_load,--wrap=glob,--wrap=os_capture,--wrap=os_spawn" ;;
	*) wraps= ;;
	esac
	# shellcheck disable=SC2086
	$cc $flags -Werror $depcflags $wraps "$harness" "$out/libbatoncore.a" $deplibs -o "$out/$name"
	echo "built $out/$name"
done
