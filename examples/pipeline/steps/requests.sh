#!/bin/sh
# Requests per HTTP status, and the slowest request. The instant step.
echo "Requests per status"
awk -F, 'NR > 1 { n[$3]++ } END { for (s in n) printf "  %s %4d\n", s, n[s] }' "$1" | sort
awk -F, 'NR > 1 && $4 + 0 > max { max = $4 + 0; line = $2 " (" $3 ")" }
	END { printf "  slowest: %s, %d ms\n", line, max }' "$1"
