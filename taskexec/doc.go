// Package taskexec is the task executor's logic: inside a Mesos task it
// turns the scheduler's launch spec and the Mesos sandbox environment into a
// Flink configuration directory and a Flink command, runs the command in the
// foreground, forwards SIGTERM/SIGINT to it, and exits with its status.
//
// What it does, in order:
//
//  1. Reads the launch spec from its arguments (package launchspec); a spec it
//     cannot read is exit code 2. Reads the values of the secret Flink keys
//     from the environment variables the spec's --secret-env arguments name
//     and removes those variables from the environment of every process it
//     starts; a named variable that is not set is exit code 2.
//  2. Finds Flink: the spec's --flink-home, else $FLINK_HOME, else the one
//     flink-* directory the Mesos fetcher extracted into the sandbox. No
//     Flink is exit code 2, with what was looked at - unless a custom
//     command never names $FLINK_HOME. User jars the task fetched into
//     $MESOS_SANDBOX/usrlib/ are added to Flink's usrlib/ through a copy of
//     the Flink directory's layout in the sandbox (the original may be a
//     read-only image), which then becomes FLINK_HOME.
//  3. Builds $MESOS_SANDBOX/flink-conf/: every file of $FLINK_HOME/conf but
//     the configuration itself (log4j files and the like), plus the
//     configuration the scheduler served (fetched into the sandbox) and the
//     secret keys, written as config.yaml when the distribution has one
//     (Flink 1.19 and later) and as flink-conf.yaml otherwise. With a
//     secret key in it the file is mode 0600. A secret value flink-conf.yaml
//     cannot hold (empty, with '#' or a line break, or with spaces around
//     it) is exit code 2: other such values become -D arguments, a secret
//     never does. A Flink command that names a secret's variable is exit
//     code 2 for the same reason.
//  4. Runs the bootstrap command, if any, with /bin/sh in the sandbox; a
//     failure ends the task with its exit status.
//  5. Runs the Flink command ($FLINK_HOME, $MESOS_SANDBOX and other
//     environment variables expanded outside single quotes) with FLINK_CONF_DIR set,
//     FLINK_LOG_DIR in the sandbox unless configured, and the spec's dynamic
//     properties plus what only the sandbox knows as -D arguments:
//     taskmanager.resource-id (the Mesos task ID), the agent's host, and
//     io.tmp.dirs in the sandbox unless configured.
//  6. Forwards the first SIGTERM or SIGINT to the Flink process group, sends
//     SIGKILL on a second one, and returns the process's exit status (128+n
//     for death by signal n). If the task executor itself dies, the kernel
//     kills the Flink process (parent-death signal), so no Flink process
//     outlives its task.
package taskexec
