// Package zkelect elects one leader among the schedulers of a cluster
// through ZooKeeper, and fences the leader's writes with its znode.
//
// # The election
//
// Each candidate creates an ephemeral sequential znode under the
// election's path, named _c_<32 hex digits>-candidate_<10-digit sequence>
// (go-zookeeper's protected form: the GUID lets a client find its own
// node again when the connection drops while the create is in flight),
// holding the candidate's Config.Data. The candidate with the lowest
// sequence leads. A standby watches only the znode just ahead of its own,
// so that the end of a leader wakes one standby, which lists the
// candidates again. When a standby's session expires its znode is gone,
// and it joins again at the back.
//
// # The end of a leadership
//
// A leadership ends when its session expires, when the client has been
// disconnected for the session timeout (the server expires the session
// by then, though the client hears so only when it reconnects: the same
// rule as Mesos' src/zookeeper/group.cpp), when its znode is deleted,
// and with Resign, which closes the session so the znode goes at once.
//
// # Fencing
//
// Fence asks the ZooKeeper server, in a multi-op holding a single version
// check of the leader's znode (the version seen at election), whether the
// leadership still stands. Writes go through the ensemble's leader, so a
// follower's stale view cannot pass the check. Used as hastore's
// Options.Fence it runs before each checkpoint is published; a deposed
// leader's write is refused with ErrNotLeader. A leader that is cut off
// past its session timeout learns it from the check at the latest.
package zkelect
