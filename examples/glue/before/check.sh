#!/bin/sh
# Every page starts with a "# Title" line.
for md in pages/*.md; do
	head -n 1 "$md" | grep -q '^# ' || { echo "$md: no title" >&2; exit 1; }
done
