package taskexec

import (
	"os"
	"path/filepath"
)

// UsrlibDir is where a task's fetched user jars land (the scheduler's
// --jars URIs name it as their output directory).
const UsrlibDir = "usrlib"

// overlayHome makes user jars fetched into the sandbox's usrlib/ visible to
// Flink, which looks for them only in $FLINK_HOME/usrlib (application mode
// on the JobManager, the per-job class path on TaskManagers). The Flink
// directory may be read-only (an image), so a copy of its layout is built
// in the sandbox: bin/ holds copies of the scripts (Flink's config.sh finds
// FLINK_HOME from the script's own path, following symlinks), every other
// directory holds symlinks to the originals' entries (Flink's class path is
// built with find, which does not descend into a symlinked directory), and
// usrlib/ holds both Flink's own user jars and the fetched ones. It returns
// home unchanged when there is nothing to add.
func overlayHome(home, sandbox string) (string, error) {
	jars, err := os.ReadDir(filepath.Join(sandbox, UsrlibDir))
	if err != nil || len(jars) == 0 {
		return home, nil
	}
	overlay := filepath.Join(sandbox, "flink-home")
	if err := os.RemoveAll(overlay); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(home)
	if err != nil {
		return "", err
	}
	link := func(dir, src string) error {
		items, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := os.Symlink(filepath.Join(src, it.Name()), filepath.Join(dir, it.Name())); err != nil && !os.IsExist(err) {
				return err
			}
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Join(overlay, UsrlibDir), 0o755); err != nil {
		return "", err
	}
	for _, e := range entries {
		src, dst := filepath.Join(home, e.Name()), filepath.Join(overlay, e.Name())
		st, err := os.Stat(src)
		if err != nil {
			return "", err
		}
		switch {
		case e.Name() == UsrlibDir:
			err = link(dst, src)
		case e.Name() == "bin":
			err = copyDir(src, dst)
		case st.IsDir():
			if err = os.MkdirAll(dst, 0o755); err == nil {
				err = link(dst, src)
			}
		default:
			err = os.Symlink(src, dst)
		}
		if err != nil {
			return "", err
		}
	}
	return overlay, link(filepath.Join(overlay, UsrlibDir), filepath.Join(sandbox, UsrlibDir))
}

// copyDir copies the regular files of src into a new dst, keeping modes.
func copyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	items, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, it := range items {
		st, err := os.Stat(filepath.Join(src, it.Name()))
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		if err := copyFile(filepath.Join(src, it.Name()), filepath.Join(dst, it.Name())); err != nil {
			return err
		}
		if err := os.Chmod(filepath.Join(dst, it.Name()), st.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}
