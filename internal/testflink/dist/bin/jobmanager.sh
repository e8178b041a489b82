#!/bin/sh
# Stand-in for Flink's bin/jobmanager.sh: same command line (start-foreground, -D key=value,
# program arguments), same environment (FLINK_HOME, FLINK_CONF_DIR, FLINK_LOG_DIR).
# The process behind it records what it was given and behaves like the Flink process.
bin=$(cd "$(dirname "$0")" && pwd)
case "$1" in
start-foreground) ;;
*) echo "Usage: jobmanager.sh start-foreground [args]" >&2; exit 1 ;;
esac
exec "$bin/flink-standin" jobmanager "$@"
