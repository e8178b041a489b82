#!/bin/sh
# The test suite: formatting, vet, generated code, race-enabled tests (with a
# short chaos soak, package soak) and a short run of every fuzz target.
# FUZZTIME=1m ./test.sh fuzzes longer; a long soak is its own command:
# SOAK_DURATION=30m go test -run TestSoak -timeout 0 -v ./soak (soak/doc.go).
set -eu
cd "$(dirname "$0")"

echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go') | grep -v '\.pb\.go$' || true)
if [ -n "$bad" ]; then
	echo "gofmt would change:"; echo "$bad"; exit 1
fi

echo "== go vet"
go vet ./...

if command -v protoc >/dev/null 2>&1; then
	echo "== generated code is current"
	go generate ./mesospb
	git diff --exit-code -- mesospb || { echo "mesospb is stale: run go generate ./mesospb and commit"; exit 1; }
else
	echo "== skipping the generated-code check: protoc is not installed"
fi

echo "== go test -race"
go test -race -count=1 ./...

# About 8 s per target with the build: some 5 minutes for all of them.
echo "== fuzz (${FUZZTIME:=5s} each)"
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
		echo "-- $pkg $target"
		# Go 1.26's fuzzing coordinator can report "context deadline
		# exceeded" as the -fuzztime deadline passes, with no input at
		# fault (golang/go#75804, fixed in Go 1.27). A real failure writes
		# its input to testdata/fuzz and says so. Up to three tries.
		for try in 1 2 3; do
			if out=$(go test -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1); then
				echo "$out"
				break
			fi
			echo "$out"
			case "$out" in
			*"Failing input written"*) exit 1 ;;
			*"context deadline exceeded"*) [ "$try" -lt 3 ] || exit 1
				echo "-- $target: the fuzzing engine timed out, not a failing input; again" ;;
			*) exit 1 ;;
			esac
		done
	done
done
echo "== all tests passed"
