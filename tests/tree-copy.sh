#!/bin/sh
# tests/tree-copy.sh DEST: the project's files (those git tracks, and new
# ones it does not ignore) copied into DEST, for a build of their own: the
# fuzz targets (tests/fuzz/run.sh), memcheck (tests/valgrind.sh) and the
# benchmarks. The source tree may be configured in-tree already, which a
# VPATH build cannot share.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
(cd "$src" && git ls-files -co --exclude-standard -z |
	xargs -0 tar -cf - --no-recursion) | tar -C "$1" -xf -
