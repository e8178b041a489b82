package launchspec

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

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

// AddSecrets passes values (Flink keys whose values are secret) through the
// task's environment instead of its arguments: each key, in key order, gets
// the variable SecretEnvPrefix followed by a decimal index (counting on from
// the secrets already in s), recorded in s.Secrets. It returns the
// variables for the CommandInfo's environment.
//
// With mesosSecrets each variable is of type SECRET and holds a Secret of
// type VALUE with the value's bytes, which the Mesos containerizer resolves
// into a plain variable of the task (its default secret resolver returns a
// VALUE secret as it is: src/secret/resolver.cpp). Without, each is a plain
// VALUE variable: the Docker containerizer copies only a variable's value
// field into `docker run -e` (src/docker/docker.cpp), so a SECRET variable
// would reach the task empty.
func (s *Spec) AddSecrets(values map[string]string, mesosSecrets bool) []*mesospb.Environment_Variable {
	vars := make([]*mesospb.Environment_Variable, 0, len(values))
	for _, k := range slices.Sorted(maps.Keys(values)) {
		name := SecretEnvPrefix + strconv.Itoa(len(s.Secrets))
		s.Secrets = append(s.Secrets, SecretEnv{Env: name, Key: k})
		v := &mesospb.Environment_Variable{Name: proto.String(name), Value: proto.String(values[k])}
		if mesosSecrets {
			v = &mesospb.Environment_Variable{
				Name: proto.String(name),
				Type: mesospb.Environment_Variable_SECRET.Enum(),
				Secret: &mesospb.Secret{
					Type:  mesospb.Secret_VALUE.Enum(),
					Value: &mesospb.Secret_Value{Data: []byte(values[k])},
				},
			}
		}
		vars = append(vars, v)
	}
	return vars
}
