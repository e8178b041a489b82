package mesospb

// Regenerate with `go generate ./mesospb` (needs protoc on PATH). protoc-gen-go
// is built from the google.golang.org/protobuf version pinned in go.mod, so the
// generated code always matches the runtime it links against.
//go:generate go build -o .protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go
//go:generate protoc --plugin=protoc-gen-go=.protoc-gen-go -I proto --go_out=. --go_opt=module=github.com/flink-mesos/flink-mesos/mesospb mesos/v1/mesos.proto mesos/v1/scheduler/scheduler.proto
//go:generate rm -f .protoc-gen-go
