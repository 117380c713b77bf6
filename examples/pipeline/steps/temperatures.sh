#!/bin/sh
# Lowest and highest temperature per city. The medium step: it takes 1 second.
sleep 1
echo "Temperature range per city"
awk -F, 'NR > 1 {
		c = $2; t = $3 + 0
		if (!(c in lo) || t < lo[c]) lo[c] = t
		if (!(c in hi) || t > hi[c]) hi[c] = t
	}
	END { for (c in lo) printf "  %-8s %6.1f .. %5.1f C\n", c, lo[c], hi[c] }' "$1" | sort
