// Package launchspec is the contract between the schedulers and the task
// executor: how one worker's role, Flink command and settings travel in the
// arguments of a Mesos CommandInfo, and how the task executor reads them
// back. Both sides import this package, so the two can never drift apart.
//
// The task runs, with CommandInfo.shell false (no shell word splitting):
//
//	flink-mesos-taskexecutor --launchspec 1 --role taskmanager --host agent7.example.com \
//	    [--cmd '$FLINK_HOME/bin/taskmanager.sh start-foreground'] [--bootstrap 'ulimit -n 65536'] \
//	    [--flink-home /opt/flink] [--config-file flink-mesos/flink-conf.yaml] \
//	    [-D key=value]... [-- program arguments...]
//
// Every value is one argument, so values may hold spaces, quotes or '='.
// --launchspec names the format version; a task executor refuses a version it
// does not know, which catches an old binary baked into a container image.
// Secrets never travel here: arguments are visible to every user of the agent
// (ps, the Mesos UI); they go through the task's environment.
package launchspec
