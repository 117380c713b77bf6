#!/bin/sh
# Put the results named as arguments together, one section each.
echo "Pipeline report"
echo "==============="
for f in "$@"; do
	echo
	cat "$f"
done
