#!/bin/sh
# Builds the three static, stripped binaries into bin/.
#   ./build.sh                 version from `git describe`, else "devel"
#   VERSION=v1.0.0 ./build.sh  explicit version
#   GOOS=linux GOARCH=arm64 ./build.sh  cross-compile (no cgo, so no toolchain needed)
set -eu
cd "$(dirname "$0")"
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo devel)}
mkdir -p bin
for cmd in session job taskexecutor; do
	CGO_ENABLED=0 go build -trimpath \
		-ldflags "-s -w -X github.com/flink-mesos/flink-mesos/internal/version.Version=$version" \
		-o "bin/flink-mesos-$cmd" "./cmd/$cmd"
done
echo "built bin/flink-mesos-session bin/flink-mesos-job bin/flink-mesos-taskexecutor ($version)"
