package launchspec

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Argv0 is the task executor's name in the task's argument vector.
const Argv0 = "flink-mesos-taskexecutor"

// CommandInfo returns the CommandInfo that runs the task executor at
// executable (absolute, or relative to the sandbox as "./name") with this
// spec. It runs without a shell, so no argument is ever re-split or expanded
// by /bin/sh on the agent.
func (s Spec) CommandInfo(executable string, uris []*mesospb.CommandInfo_URI, env []*mesospb.Environment_Variable, user string) *mesospb.CommandInfo {
	ci := &mesospb.CommandInfo{
		Uris:      uris,
		Shell:     proto.Bool(false),
		Value:     proto.String(executable),
		Arguments: append([]string{Argv0}, s.Args()...),
	}
	if len(env) > 0 {
		ci.Environment = &mesospb.Environment{Variables: env}
	}
	if user != "" {
		ci.User = proto.String(user)
	}
	return ci
}

// FromCommandInfo reads the spec back out of a CommandInfo built by
// CommandInfo, for checks on the wire.
func FromCommandInfo(ci *mesospb.CommandInfo) (Spec, error) {
	if ci.GetShell() {
		return Spec{}, fmt.Errorf("launchspec: the command runs in a shell; the task executor is started with shell=false")
	}
	args := ci.GetArguments()
	if len(args) == 0 {
		return Spec{}, fmt.Errorf("launchspec: the command has no arguments")
	}
	return Parse(args[1:])
}
