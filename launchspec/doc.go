// Package launchspec is the contract between the schedulers and the task
// executor: how one worker's role, Flink command and settings travel in the
// arguments and environment of a Mesos CommandInfo, and how the task
// executor reads them back. Both sides import this package, so the two can
// never drift apart.
//
// The task runs, with CommandInfo.shell false (no shell word splitting):
//
//	flink-mesos-taskexecutor --launchspec 1 --role taskmanager --host agent7.example.com \
//	    [--cmd '$FLINK_HOME/bin/taskmanager.sh start-foreground'] [--bootstrap 'ulimit -n 65536'] \
//	    [--flink-home /opt/flink] [--config-file flink-mesos/flink-conf.yaml] \
//	    [-D key=value]... [--secret-env VARIABLE=key]... [-- program arguments...]
//
// Every value is one argument, so values may hold spaces, quotes or '='.
// --launchspec names the format version; a task executor refuses a version it
// does not know, which catches an old binary baked into a container image.
//
// # Secrets
//
// Secrets never travel in the arguments: arguments are visible to every
// user of the agent (ps, the Mesos UI), and so is the configuration file the
// scheduler serves to every task. A Flink key whose value is secret travels
// in two parts:
//
//   - its name, in the argument after --secret-env, as the bytes
//     VARIABLE '=' key: VARIABLE is a portable variable name
//     ([A-Za-z_][A-Za-z0-9_]*, so it never holds '='), and key is every
//     byte after the first '=' (non-empty; it may itself hold '=');
//   - its value, in the CommandInfo's environment as the variable VARIABLE
//     of type SECRET (mesos.v1.Environment.Variable.Type 2) whose secret is
//     of type VALUE (mesos.v1.Secret.Type 2) with the value's bytes as
//     secret.value.data. The agent resolves it, so inside the task VARIABLE
//     holds exactly those bytes (Mesos refuses NUL bytes in it). Tasks in a
//     Docker container (ContainerInfo.type DOCKER) get a plain variable of
//     type VALUE with the value instead, because the Docker containerizer
//     does not resolve secrets.
//
// Spec.AddSecrets names the variables FLINK_MESOS_SECRET_0,
// FLINK_MESOS_SECRET_1, ... in the order of the keys' bytes; a reader must
// not rely on that and follows the --secret-env arguments. No key is named
// twice, no variable is named twice, and no secret key is also a -D key.
// The task executor writes the keys into the Flink configuration file
// (never a command line) and removes the variables from the environment of
// the processes it starts.
//
// --secret-env was added without a new format version: a spec without
// secrets is byte for byte what it was, and a task executor older than
// --secret-env refuses a spec holding it as an unknown argument, so a
// secret is never dropped silently.
package launchspec
