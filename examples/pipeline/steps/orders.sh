#!/bin/sh
# Revenue per customer, largest first. The slow step: it takes 2 seconds.
sleep 2
echo "Revenue per customer"
awk -F, 'NR > 1 { total[$2] += $3 }
	END { for (c in total) printf "  %-10s %8.2f\n", c, total[c] }' "$1" |
	sort -k2,2nr
