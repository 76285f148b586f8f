#!/bin/sh
# Build berth-shim without node-gyp (development convenience; `npx node-gyp rebuild`
# builds the same executable as build/Release/berth-shim). Needs libjson-c-dev and
# libseccomp-dev; both are linked statically so the shim maps no extra libraries.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../../../build/Release/berth-shim}
mkdir -p "$(dirname "$out")"
cc -std=c11 -O2 -Wall -Wextra -D_GNU_SOURCE -o "$out" "$here"/*.c \
  -Wl,-Bstatic -ljson-c -lseccomp -Wl,-Bdynamic
