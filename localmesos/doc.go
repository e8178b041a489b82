// Package localmesos is an in-process Mesos master with agents that serves
// the v1 scheduler HTTP API as strictly as a real master, for tests and for
// the product's `mesos.master: local[N]` mode.
//
// New starts a master; its scheduler endpoint is URL()+"/api/v1/scheduler"
// (also under /master/api/v1/scheduler). Agents either simulate tasks
// (state changes only) or run them as child processes the way the Mesos
// command executor does. Fault-injection methods (DropStreams, Failover,
// RemoveAgent, SetTaskState, ...) and introspection (Frameworks, Tasks,
// Calls, ProtocolErrors, WaitFor) serve tests.
//
// # Requests
//
// Every request goes through the checks of src/master/http.cpp
// Master::Http::scheduler in their order: basic authentication when
// Config.Credentials is set (401, `WWW-Authenticate: Basic
// realm="mesos-master-scheduler"`, body "401 Unauthorized."); leadership
// (307 with `Location: //HOST:PORT/master/api/v1/scheduler[?QUERY]`, or 503
// "No leader elected"); registry recovery (503 "Master has not finished
// recovery"); the method (405 with `Allow: POST`); Content-Type (400 when
// absent, an exact compare against the two media types, else 415); body
// parsing (400); call validation (400 "Failed to validate scheduler::Call:
// ..."); Accept negotiation for SUBSCRIBE and RECONCILE_OPERATIONS (406);
// Mesos-Stream-Id (forbidden on SUBSCRIBE, required and matched on
// everything else, 400); the framework (400 "Framework cannot be found",
// 403 "Framework is not subscribed"). Error bodies are text/plain; 202
// answers carry Content-Length: 0; UNKNOWN calls get 501. The body formats
// of both media types are those of package internal/wire.
//
// # Subscriptions
//
// A SUBSCRIBE is answered 200 with a chunked body of RecordIO records (one
// HTTP chunk per record), the negotiated Content-Type and a random
// lowercase UUID as Mesos-Stream-Id. The first event is SUBSCRIBED (or
// ERROR, followed by a clean end of the stream, when the FrameworkInfo is
// refused), then a HEARTBEAT at once and one every HeartbeatInterval. A
// second SUBSCRIBE for a connected framework sends ERROR "Framework failed
// over" on the old stream and closes it. TEARDOWN, failover timeouts and
// refusals end a stream cleanly (final chunk); DropStreams, Failover and
// Close cut it (no final chunk).
//
// # Identifiers
//
// The master ID is a random UUID; framework IDs are MASTERID-NNNN, agent
// IDs MASTERID-SN and offer IDs MASTERID-ON, counting from 0. Status update
// uuids are 16 random bytes (UUID version 4). Process agents put sandboxes
// at WORKDIR/agents/AGENTID/frameworks/FRAMEWORKID/executors/EXECUTORID/
// runs/CONTAINERID, with the task's output in the files stdout and stderr.
//
// # Secrets
//
// The master validates every CommandInfo's environment like
// src/common/validation.cpp validateEnvironment and validateSecret (TASK_ERROR,
// REASON_TASK_INVALID, Mesos' texts). A process agent resolves a variable of
// type SECRET like the Mesos containerizer's environment_secret isolator
// with the default secret resolver (src/secret/resolver.cpp): a secret with
// a value becomes the variable's plain value; a secret with a reference
// fails the launch with "Failed to launch container: Default secret
// resolver cannot resolve references" (TASK_FAILED,
// REASON_CONTAINER_LAUNCH_FAILED), as on an agent without a secret resolver
// module, before anything is fetched.
//
// # Differences from Mesos
//
// Operations other than LAUNCH (RESERVE, CREATE, LAUNCH_GROUP, ...) are
// refused, as are custom executors on process agents; a process agent has
// no Docker containerizer. Fields the product's protobuf subset (package
// mesospb) does not declare are kept through protobuf but dropped from JSON
// requests. After Failover every agent is back at once, so reconciliation
// never meets an agent that has not yet reregistered.
package localmesos
