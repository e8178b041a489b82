module github.com/flink-mesos/flink-mesos

go 1.26.0

require (
	github.com/go-zookeeper/zk v1.0.4
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/sync v0.25.0
	google.golang.org/protobuf v1.36.12
)
