#!/bin/sh
# Build out/site/*.html from pages/*.md; drafts only with DRAFTS=yes.
set -e
mkdir -p out/site
for md in pages/*.md; do
	name=$(basename "$md" .md)
	case $name in draft-*) [ "$DRAFTS" = yes ] || continue ;; esac
	html=out/site/$name.html
	[ "$html" -nt "$md" ] && [ "$html" -nt template.html ] && continue
	title=$(head -n 1 "$md" | sed 's/^# //')
	body=$(tail -n +2 "$md")
	awk -v t="$title" -v b="$body" '{ sub(/@TITLE@/, t); sub(/@BODY@/, b); print }' \
		template.html > "$html"
done
ls out/site/*.html | xargs -n1 basename > out/site/index.txt
