package hastore

// SetFault makes the steps of later reads and writes fail: before each step, f is
// called with its op ("read", "write", "fsync", "close", "rename",
// "fsync-dir", "remove") and path, and a non-nil result fails the step without running it.
func SetFault(s *FileStore, f func(op, path string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}
