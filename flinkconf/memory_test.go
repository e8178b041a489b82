package flinkconf_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/flinkconf"
)

// Expected sizes follow Flink 1.13's ProcessMemoryUtils,
// TaskExecutorFlinkMemoryUtils and JobManagerFlinkMemoryUtils, including
// their float fractions (0.1f widens to 0.10000000149011612) and truncation.
func TestTaskManagerMemory(t *testing.T) {
	tests := []struct {
		name    string
		conf    map[string]string
		wantMiB int64
		err     error
		msg     string
	}{
		{"process size", map[string]string{"taskmanager.memory.process.size": "1728m"}, 1728, nil, ""},
		{"flink size adds metaspace and min overhead", map[string]string{"taskmanager.memory.flink.size": "1280m"}, 1728, nil, ""},
		{"flink size adds fractional overhead", map[string]string{"taskmanager.memory.flink.size": "4g"}, 4835, nil, ""},
		{"flink size with explicit metaspace", map[string]string{"taskmanager.memory.flink.size": "1280m", "taskmanager.memory.jvm-metaspace.size": "128m"}, 1600, nil, ""},
		{"flink and process consistent", map[string]string{"taskmanager.memory.process.size": "2g", "taskmanager.memory.flink.size": "1g"}, 2048, nil, ""},
		{"fine-grained heap and managed", map[string]string{"taskmanager.memory.task.heap.size": "512m", "taskmanager.memory.managed.size": "512m"}, 1870, nil, ""},
		{"legacy heap size is the process size", map[string]string{"taskmanager.heap.size": "3g"}, 3072, nil, ""},
		{"legacy heap mb", map[string]string{"taskmanager.heap.mb": "2048"}, 2048, nil, ""},
		{"new key wins over legacy", map[string]string{"taskmanager.memory.process.size": "1g", "taskmanager.heap.size": "3g"}, 1024, nil, ""},
		{"nothing set", map[string]string{}, 0, flinkconf.ErrRequired, "taskmanager.memory.process.size (default): TaskManager memory is not configured; allowed: set taskmanager.memory.process.size (e.g. 1728m) or taskmanager.memory.flink.size"},
		{"process below flink plus metaspace", map[string]string{"taskmanager.memory.process.size": "1728m", "taskmanager.memory.flink.size": "1600m"}, 0, flinkconf.ErrConflict, "is less than the Flink memory"},
		{"overhead above its max", map[string]string{"taskmanager.memory.process.size": "4g", "taskmanager.memory.flink.size": "1g"}, 0, flinkconf.ErrConflict, "of JVM overhead"},
		{"process too small for metaspace and overhead", map[string]string{"taskmanager.memory.process.size": "400m"}, 0, flinkconf.ErrOutOfRange, "leaves no room"},
		{"process too small for framework memory", map[string]string{"taskmanager.memory.process.size": "600m"}, 0, flinkconf.ErrOutOfRange, "less than framework, managed and network memory"},
		{"fine-grained exceeds flink size", map[string]string{"taskmanager.memory.task.heap.size": "1g", "taskmanager.memory.managed.size": "1g", "taskmanager.memory.flink.size": "1g"}, 0, flinkconf.ErrConflict, "is less than framework heap"},
		{"fine-grained network outside range", map[string]string{"taskmanager.memory.task.heap.size": "512m", "taskmanager.memory.managed.size": "512m", "taskmanager.memory.flink.size": "4g"}, 0, flinkconf.ErrConflict, "of network memory, outside"},
		{"legacy network buffers must match", map[string]string{"taskmanager.memory.task.heap.size": "512m", "taskmanager.memory.managed.size": "512m", "taskmanager.memory.flink.size": "1536m", "taskmanager.network.numberOfBuffers": "100"}, 0, flinkconf.ErrConflict, "taskmanager.network.numberOfBuffers"},
		{"legacy network buffers sized", map[string]string{"taskmanager.memory.task.heap.size": "512m", "taskmanager.memory.managed.size": "512m", "taskmanager.network.numberOfBuffers": "4096"}, 1856, nil, ""},
		{"below one MiB", map[string]string{"taskmanager.memory.process.size": "1000b", "taskmanager.memory.jvm-metaspace.size": "0", "taskmanager.memory.jvm-overhead.min": "0", "taskmanager.memory.jvm-overhead.max": "0",
			"taskmanager.memory.framework.heap.size": "0", "taskmanager.memory.framework.off-heap.size": "0", "taskmanager.memory.network.min": "0"}, 0, flinkconf.ErrOutOfRange, "needs at least 1 MiB"},
		{"negative legacy mb", map[string]string{"taskmanager.heap.mb": "-5"}, 0, flinkconf.ErrOutOfRange, "taskmanager.heap.mb \"-5\" (map): must be >= 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := map[string]string{"mesos.master": "m:5050"}
			for k, v := range tt.conf {
				m[k] = v
			}
			o, err := flinkconf.FromMap(m).Options(testEnv(nil))
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("error = %v, want %v containing %q", err, tt.err, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.TaskManager.MemMiB != tt.wantMiB || o.TaskManager.MemBytes>>20 != tt.wantMiB {
				t.Errorf("mem = %d MiB (%d bytes), want %d MiB", o.TaskManager.MemMiB, o.TaskManager.MemBytes, tt.wantMiB)
			}
		})
	}
}

func TestJobManagerMemory(t *testing.T) {
	tests := []struct {
		name    string
		conf    map[string]string
		wantMiB int64
		err     error
	}{
		{"default is Flink's shipped 1600m", nil, 1600, nil},
		{"process size", map[string]string{"jobmanager.memory.process.size": "2g"}, 2048, nil},
		{"flink size", map[string]string{"jobmanager.memory.flink.size": "1152m"}, 1600, nil},
		{"heap adds off-heap", map[string]string{"jobmanager.memory.heap.size": "1024m"}, 1600, nil},
		{"legacy heap size is the heap", map[string]string{"jobmanager.heap.size": "1024m"}, 1600, nil},
		{"legacy heap mb", map[string]string{"jobmanager.heap.mb": "1024"}, 1600, nil},
		{"heap and flink size derive off-heap", map[string]string{"jobmanager.memory.heap.size": "1g", "jobmanager.memory.flink.size": "1152m"}, 1600, nil},
		{"heap, off-heap and flink size disagree", map[string]string{"jobmanager.memory.heap.size": "1g", "jobmanager.memory.off-heap.size": "64m", "jobmanager.memory.flink.size": "1152m"}, 0, flinkconf.ErrConflict},
		{"flink size below heap", map[string]string{"jobmanager.memory.heap.size": "2g", "jobmanager.memory.flink.size": "1g"}, 0, flinkconf.ErrConflict},
		{"flink size not above off-heap", map[string]string{"jobmanager.memory.flink.size": "100m"}, 0, flinkconf.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			for k, v := range tt.conf {
				m[k] = v
			}
			o, err := flinkconf.FromMap(m).Options(testEnv(nil))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.JobManager.MemMiB != tt.wantMiB {
				t.Errorf("mem = %d MiB, want %d", o.JobManager.MemMiB, tt.wantMiB)
			}
		})
	}
}
