// Package zkclient opens ZooKeeper sessions the same way for master
// detection and leader election: go-zookeeper's client with its log sent
// to slog at debug level and optional digest authentication.
package zkclient
