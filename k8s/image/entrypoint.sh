#!/bin/sh
# Image entry point: `origin` or `edge`, then the node's own arguments (`--config FILE`).
# Anything else runs as a command, for debugging (`docker run -it IMAGE sh`).
set -e
case "${1:-origin}" in
  origin | edge)
    role=${1:-origin}
    [ $# -gt 0 ] && shift
    # JAVA_OPTS is split into words on purpose: it holds several flags.
    # shellcheck disable=SC2086
    exec java $JAVA_OPTS -jar "/opt/cascade/lib/cascade-$role.jar" "$@"
    ;;
  -*)
    echo "cascade: the first argument is the role (origin or edge), got '$1'" >&2
    exit 2
    ;;
  *)
    exec "$@"
    ;;
esac
