package hastore_test

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/flink-mesos/flink-mesos/hastore"
)

// The test binary re-executes itself as a child process to hold a lock or
// to be killed in the middle of a write. childEnv selects the role.
const (
	childEnv    = "HASTORE_TEST_CHILD"
	childDirEnv = "HASTORE_TEST_DIR"
)

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "holder":
		os.Exit(childHolder(os.Getenv(childDirEnv)))
	case "writer":
		os.Exit(childWriter(os.Getenv(childDirEnv)))
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", childEnv, os.Getenv(childEnv))
		os.Exit(2)
	}
}

// childHolder opens dir, says "locked", and holds the store until its stdin
// closes.
func childHolder(dir string) int {
	s, err := hastore.Open(dir, hastore.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	bufio.NewReader(os.Stdin).ReadString('\n')
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// childWriter opens dir, loads the counter written by crashState, says
// "ready", then saves counter+1, counter+2, ... forever, printing each
// number once Save has returned, until it is killed.
func childWriter(dir string) int {
	s, err := hastore.Open(dir, hastore.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	st, err := s.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "ready")
	out.Flush()
	for i := st.NextTaskNumber + 1; ; i++ {
		if err := s.Save(crashState(i)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		out.WriteString(strconv.FormatUint(i, 10) + "\n")
		out.Flush()
	}
}

// crashState is the i-th state of the kill test. Its size changes with i,
// so that files of different lengths are cut at different places.
func crashState(i uint64) hastore.State {
	st := sampleState(int(i % 16 * 4))
	st.NextTaskNumber = i
	st.Meta["counter"] = strconv.FormatUint(i, 10)
	return st
}
