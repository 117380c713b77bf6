#!/bin/sh
# Pack the site as out/site-VERSION.tar.gz.
set -e
./before/check.sh
./before/build-site.sh
tar -C out -czf "out/site-$(cat VERSION).tar.gz" site
