package flinkconf_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/flink-mesos/flink-mesos/flinkconf"
)

func Example() {
	dir, _ := os.MkdirTemp("", "conf")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "flink-conf.yaml"), []byte(
		"mesos.master: zk://z1:2181,z2:2181/mesos\n"+
			"taskmanager.memory.process.size: 4g\n"+
			"taskmanager.numberOfTaskSlots: 2\n"+
			"mesos.resourcemanager.tasks.hostname: _TASK_.flink.mesos\n"), 0o600)

	conf, err := flinkconf.Load(dir, []flinkconf.KV{{Key: "mesos.resourcemanager.tasks.cpus", Value: "1.5"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	opts, err := conf.Options(flinkconf.Env{
		CurrentUser: func() (string, error) { return "flink", nil },
		Hostname:    func() (string, error) { return "scheduler1", nil },
		Getwd:       func() (string, error) { return "/srv", nil },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(opts.Master)
	fmt.Println(opts.TaskManager.CPUs, opts.TaskManager.MemMiB, opts.TaskManager.Slots)
	fmt.Println(opts.TaskHostname("taskmanager-00001"))
	fmt.Println(conf.Source("mesos.resourcemanager.tasks.cpus"), conf.Source("taskmanager.numberOfTaskSlots"))
	fmt.Println(conf.PassThrough())
	// Output:
	// zk://z1:2181,z2:2181/mesos
	// 1.5 4096 2
	// taskmanager-00001.flink.mesos
	// -D flink-conf.yaml:3
	// map[taskmanager.memory.process.size:4g taskmanager.numberOfTaskSlots:2]
}

func ExampleValidationError() {
	conf := flinkconf.FromMap(map[string]string{
		"mesos.master":                     "m1:5050",
		"taskmanager.memory.process.size":  "1728m",
		"mesos.resourcemanager.tasks.gpus": "-1",
		"mesos.resourcemanager.tasks.mem":  "2048",
	})
	_, err := conf.Options(flinkconf.Env{CurrentUser: func() (string, error) { return "flink", nil }})
	fmt.Println(err)
	// Output:
	// configuration has 2 problems:
	//   mesos.resourcemanager.tasks.mem "2048" (map): removed in Flink 1.11; later versions ignore it silently; set taskmanager.memory.process.size (the total TaskManager memory, e.g. 1728m) instead
	//   mesos.resourcemanager.tasks.gpus "-1" (map): must be >= 0
}
