#!/usr/bin/env bash
# Builds a Java 17 runtime base image without pulling anything: debootstrap Debian bookworm
# (minbase) with openjdk-17-jre-headless from Debian's mirror, then `docker import` it. For hosts
# that reach Debian's packages but no container registry (CI, the container tests); elsewhere the
# Dockerfile's default eclipse-temurin:17-jre base is the one to use.
#
#   k8s/image/build-base-image.sh [TAG]     default tag cascade-base:bookworm-jre17
#
# Does nothing when the tag already exists (delete the image to rebuild). Needs root, debootstrap
# and a running Docker engine.
set -euo pipefail

tag=${1:-cascade-base:bookworm-jre17}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base image $tag exists"
  exit 0
fi

rootfs=$(mktemp -d /tmp/cascade-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
started=$SECONDS
echo "debootstrap bookworm into $rootfs ..."
debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
  tail -20 "$rootfs.log" >&2
  exit 1
}
rm -f "$rootfs.log"
# Package caches and lists are of no use in an image.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  - "$tag" >/dev/null
echo "base image $tag built in $((SECONDS - started)) s"
