package hastore_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/flink-mesos/flink-mesos/hastore"
)

func Example() {
	root, _ := os.MkdirTemp("", "hastore-example")
	defer os.RemoveAll(root)
	dir, err := hastore.ResolveDir("file://" + filepath.Join(root, "cluster-1"))
	if err != nil {
		fmt.Println(err)
		return
	}

	s, err := hastore.Open(dir, hastore.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	st, err := s.Load()
	if err != nil {
		fmt.Println(err) // never start without the stored framework ID
		return
	}
	fmt.Printf("first start: framework ID %q\n", st.FrameworkID)

	// Persist the goal state before acting on it.
	st.FrameworkID = "7f3c9a1e-0042"
	st.NextTaskNumber++
	st.Workers = append(st.Workers, hastore.Worker{
		TaskID: fmt.Sprintf("taskmanager-%05d", st.NextTaskNumber),
		Role:   hastore.RoleTaskManager,
		State:  hastore.WorkerNew,
	})
	if err := s.Save(st); err != nil {
		fmt.Println(err) // fatal: exit and start again from disk
		return
	}

	// A second scheduler on the same directory is refused.
	_, err = hastore.Open(dir, hastore.Options{})
	fmt.Println("second Open locked:", errors.Is(err, hastore.ErrLocked))

	st, _ = s.Load()
	fmt.Println(st.FrameworkID, st.Workers[0].TaskID, st.Workers[0].State)
	// Output:
	// first start: framework ID ""
	// second Open locked: true
	// 7f3c9a1e-0042 taskmanager-00001 new
}
