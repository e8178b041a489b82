// Package hastore keeps a scheduler's durable checkpoint: the Mesos framework
// ID and the worker records, in a directory on a local or shared file system,
// written so that a crash at any moment leaves either the old or the new
// checkpoint readable, and read so that damage is detected, never guessed
// around.
//
// # What is stored
//
// A [State]: the framework ID, the next task number, every worker (task ID,
// role, New/Launched/Released, agent, host, ports, attempt) and a small map of
// policy data. The worker life cycle is the one Flink 1.13 persisted
// (flink-mesos MesosWorkerStore.java: New, Launched(agent, host), Released),
// and, as there, the caller persists the goal state before acting on it.
//
// # Directory layout
//
//	LOCK                        the writer's lock; holds who took it (see below)
//	ckpt-0000000000000007       a checkpoint, generation 7 (16 lower-case hex digits)
//	ckpt-0000000000000008       the newest checkpoint
//	ckpt-0000000000000009.tmp   a write in progress, or left by a crash
//	ckpt-0000000000000005.corrupt  a damaged generation, moved aside
//
// Generations count up from 1 and names are fixed-width, so a lexical sort is
// generation order. The newest readable generation is the state. After every
// write the two newest good generations are kept and older good ones deleted.
// *.tmp files are removed at [Open]. Any other file is logged as foreign and
// left alone. Files are created 0600; the directory, if hastore creates it,
// 0700.
//
// # Checkpoint file format, version 1
//
// All integers are big-endian. CRC-32C is CRC-32 with the Castagnoli
// polynomial (hash/crc32.Castagnoli).
//
//	offset  size  field
//	     0     8  magic: 0x89 'F' 'M' 'C' 'K' 'P' 'T' 0x0A
//	     8     4  format version, uint32: 1
//	    12     4  bitwise complement of the format version
//	    16     8  generation, uint64; equals the one in the file name
//	    24     4  payload length n, uint32; at most MaxPayloadSize
//	    28     4  CRC-32C of the payload
//	    32     4  CRC-32C of bytes 0 to 31
//	    36     n  payload
//
// and nothing after the payload. Bytes 0 to 15 keep their meaning in every
// future version, so that any reader can tell a newer version (version and
// complement agree) from a damaged version field (they do not). The 0x89
// byte and the line feed in the magic catch files mangled by 7-bit or
// line-ending conversion.
//
// The payload is one UTF-8 JSON object:
//
//	{"frameworkId":"…","nextTaskNumber":12,
//	 "workers":[{"taskId":"…","role":"taskmanager","state":"launched","index":3,"attempt":1,
//	            "agentId":"…","hostname":"…","ports":{"taskmanager.rpc.port":31001},
//	            "launchedAt":"2024-05-01T10:00:00.123456789Z"}],
//	 "meta":{"…":"…"}}
//
// frameworkId, workers, meta and, per worker, agentId, hostname, ports and
// launchedAt are omitted when empty. Workers are sorted by taskId, which is
// unique; role is "jobmanager" or "taskmanager"; state is "new", "launched" or
// "released"; index and attempt are at least 0; ports are 1 to 65535;
// launchedAt is RFC 3339 in UTC. Unknown fields are an error: any change to the
// payload schema is a new format version.
//
// # Writing
//
// Every write is: create ckpt-<next>.tmp, write the whole record, fsync, close,
// call [Options.Fence], rename to ckpt-<next>, fsync the directory; then delete
// or move aside older generations. Save returns only when the rename is
// durable. If an fsync, the close, the rename or the directory fsync fails,
// the outcome is unknown and the page cache can no longer be trusted (a failed
// fsync may have dropped the dirty pages, so a second fsync can report success
// for data that never reached the disk); the store then refuses every later
// write with [ErrNotDurable] and the caller must exit and start again from
// what is on disk.
//
// # Reading
//
// [FileStore.Load] reads generations newest first and returns the first good
// one. A generation that is damaged (empty, cut short, a checksum mismatch, a
// wrong magic, a version field that disagrees with its complement, a
// generation that disagrees with its name, bytes after the payload, not a
// regular file) is skipped, logged at ERROR with its file and reason, and
// listed by [FileStore.Damaged]; it stays in place until a newer good
// generation has been written, and is then renamed to *.corrupt, never
// deleted. A generation that is intact but cannot be used stops the read with
// an error and no fallback, because an older generation would be stale state:
// a newer format version (written by a newer release: reading the generation
// it superseded would forget every worker launched since), a header that
// passes its checksum but claims more than [MaxPayloadSize], a payload that
// passes its checksum but breaks the schema, or an I/O error. If generations
// exist and none is good, Load fails with [ErrUnreadable]: an empty state
// would make the scheduler register a second framework. Load returns an empty
// State only when no generation exists. Save refuses to write wherever Load
// would fail.
//
// # Locking
//
// One writer per directory: [Open] takes flock(LOCK_EX|LOCK_NB) on LOCK and
// holds it until [FileStore.Close] or process exit (the kernel drops it when
// the process dies, however it dies). It then writes, and fsyncs, one JSON
// line into LOCK: {"host":"…","pid":123,"since":"<RFC 3339>"}. A second Open,
// from any process, fails with a [*LockedError] naming that holder. LOCK is
// never deleted: a process holding the old file open would lock a file nobody
// else sees.
//
// On NFS (Linux 2.6.12 and later, flock(2) "NFS details"), the client
// emulates flock with a POSIX byte-range lock on the whole file, sent to the
// server: with NFSv4, where locks are part of the protocol, and with NFSv3
// when lockd/statd run on both sides, the lock excludes schedulers on other
// hosts. An NFSv3 mount with "nolock" (the same as "local_lock=all") or
// "local_lock=flock" (nfs(5)) keeps the lock local to one host: two
// schedulers on two hosts can then both hold it. On NFSv4 a client cut off
// from the server for longer than the lease time (90 s by default) loses its
// lock without being told through this descriptor, and another host may take
// it. Use [Options.Fence] (for example a ZooKeeper leadership check) where
// that matters. A file system without locks (some FUSE file systems, Lustre
// mounted without "flock") makes Open fail with the system's error.
package hastore
