//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package hastore

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

func tryLock(*os.File) (bool, error) {
	return false, fmt.Errorf("flock on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
