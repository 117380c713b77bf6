#!/bin/sh
# Start a page: before/new-page.sh NAME
[ $# -eq 1 ] || { echo "usage: $0 NAME" >&2; exit 2; }
[ ! -e "pages/$1.md" ] || { echo "pages/$1.md exists" >&2; exit 1; }
printf '# %s\n\nTo be written.\n' "$1" > "pages/$1.md"
