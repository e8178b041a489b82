#!/bin/sh
# Builds the binaries, then runs a Flink session cluster on an in-process
# Mesos master with two agents (mesos.master: local[2]) that run the
# JobManager and TaskManagers as real processes on this machine.
#
#   ./run-local.sh                      Flink from $FLINK_HOME, else the stand-in
#   ./run-local.sh -Dmesos.initial-tasks=4   any extra -D goes to the scheduler
#
# Without $FLINK_HOME it uses the test suite's stand-in Flink: scripts with
# Flink's command lines and a small process that binds Flink's ports,
# registers TaskManagers with the JobManager and answers a few REST calls.
# That shows the Mesos side only; no real Flink runs. Stop with Ctrl-C (the
# cluster goes with the in-process master); the status is at the printed
# scheduler HTTP address under /api/v1/overview.
set -eu
cd "$(dirname "$0")"
./build.sh
if [ -z "${FLINK_HOME:-}" ]; then
	FLINK_HOME=$PWD/bin/flink-standin
	rm -rf "$FLINK_HOME"
	cp -R internal/testflink/dist "$FLINK_HOME"
	(cd internal/testflink && CGO_ENABLED=0 go build -o "$FLINK_HOME/bin/flink-standin" ./standin)
	chmod +x "$FLINK_HOME"/bin/*.sh
	echo "FLINK_HOME is not set: using the stand-in Flink in $FLINK_HOME (it shows the Mesos side only; no real Flink runs)"
fi
export FLINK_HOME
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
./bin/flink-mesos-session --configDir "$FLINK_HOME/conf" \
	-Dmesos.master='local[2]' -Dmesos.initial-tasks=2 \
	-Dmesos.resourcemanager.checkpoint-dir="$state/checkpoint" \
	-Dmesos.local.work-dir="$state/mesos" \
	"$@"
