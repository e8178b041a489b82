// Package zkdetect finds the leading Mesos master in ZooKeeper, as a
// Detector for mesoshttp, and follows it as it changes.
//
// # The masters' group
//
// Every Mesos master started with --zk=zk://.../PATH contends by creating
// an ephemeral sequential znode under PATH (src/master/contender,
// src/zookeeper/group.cpp). The znode's name is <label>_<sequence>, the
// sequence ten decimal digits the server appends, for example
// json.info_0000000042. The member with the lowest sequence leads, whatever
// its label (src/zookeeper/detector.cpp). Children whose last
// '_'-separated token is not a number are not members and are skipped
// (the replicated log keeps "log_replicas" under the same path).
//
// The data of a member depends on its label, as in Mesos' master detector
// (src/master/detector/zookeeper.cpp, labels from src/master/constants.hpp):
//
//   - "json.info" (Mesos 0.24 and later): MasterInfo as JSON with proto
//     field names, e.g.
//     {"id":"...","ip":16777343,"port":5050,"pid":"master@127.0.0.1:5050",
//     "hostname":"m1","version":"1.11.0",
//     "address":{"hostname":"m1","ip":"127.0.0.1","port":5050}}.
//     id, ip and port are required. ip is the IPv4 address's network-order
//     bytes read as a little-endian uint32 (127.0.0.1 is 16777343).
//   - "info" (before 0.24): the same MasterInfo in binary protobuf.
//   - no label (before 0.22): a libprocess UPID, "master@10.0.0.1:5050".
//
// Any other label is an error, reported by Detector.Leader until the
// leader changes. The endpoint is address.hostname, else address.ip, with
// address.port; without an address, hostname, else the pid's IP, else ip,
// with port.
//
// # Following the leader
//
// One goroutine lists the group with a watch, reads the leader's data
// when the leader is a new member, and waits for the watch, a session
// event or Close. What is known is published to the methods: a leader, no
// leader, or an unusable entry. When the ZooKeeper session expires, or the
// client has been disconnected for a whole session timeout (the server
// expires the session then, though the client hears of it only when it
// reconnects), no leader is known until the group has been read again in
// a new session, as Mesos' own detector does: during a partition a stale
// leader is not followed. A disconnection shorter than that keeps the
// leader and the watch. The client reconnects and opens new sessions by
// itself.
package zkdetect
