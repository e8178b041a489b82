package localmesos

import (
	"archive/tar"
	"archive/zip"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// validateURI is the agent's check before fetching (Fetcher::validateUri
// and validateOutputFile in src/slave/containerizer/fetcher.cpp).
func validateURI(u string, outputFile *string) error {
	if _, err := uriBasename(strings.TrimLeft(u, " \t\n\r")); err != nil {
		return err
	}
	if outputFile != nil {
		switch {
		case *outputFile == "":
			return errors.New("URI output file path is empty")
		case strings.HasPrefix(*outputFile, "/"):
			return errors.New("URI output file must be within the sandbox directory")
		}
	}
	return nil
}

// uriBasename is Fetcher::basename: URIs are treated as paths, so the name
// is what follows the last '/', query and all.
func uriBasename(u string) (string, error) {
	if strings.ContainsAny(u, "\\'\x00") {
		return "", errors.New("Illegal characters in URI")
	}
	if i := strings.Index(u, "://"); i > 1 {
		p := u[i+3:]
		slash := strings.IndexByte(p, '/')
		if slash < 0 || len(p) <= slash+1 {
			return "", errors.New("Malformed URI (missing path): " + u)
		}
		return p[strings.LastIndexByte(p, '/')+1:], nil
	}
	return path.Base(u), nil
}

// fetchAll fetches every URI into sandbox as the mesos-fetcher does,
// logging to log (the sandbox's stderr).
func fetchAll(ctx context.Context, uris []*mesospb.CommandInfo_URI, sandbox string, log io.Writer) error {
	for _, u := range uris {
		if err := fetchOne(ctx, u, sandbox, log); err != nil {
			return err
		}
	}
	return nil
}

func fetchOne(ctx context.Context, u *mesospb.CommandInfo_URI, sandbox string, log io.Writer) error {
	value := strings.TrimLeft(u.GetValue(), " \t\n\r")
	fmt.Fprintf(log, "Fetching '%s' directly into the sandbox directory\n", value)
	name, err := uriBasename(value)
	if err != nil {
		return err
	}
	if u.OutputFile != nil {
		name = u.GetOutputFile()
		if dir := filepath.Dir(name); dir != "." {
			if err := os.MkdirAll(filepath.Join(sandbox, dir), 0o755); err != nil {
				return fmt.Errorf("Unable to create subdirectory %s in sandbox: %v", dir, err)
			}
		}
	}
	dest := filepath.Join(sandbox, name)
	if err := download(ctx, value, dest); err != nil {
		return err
	}
	if u.GetExecutable() {
		if err := os.Chmod(dest, 0o755); err != nil {
			return fmt.Errorf("Failed to chmod executable '%s': %v", dest, err)
		}
		return nil
	}
	if u.GetExtract() {
		extracted, err := extract(dest, sandbox)
		if err != nil {
			return err
		}
		if !extracted {
			fmt.Fprintf(log, "Copying instead of extracting resource from URI with 'extract' flag, because it does not seem to be an archive: %s\n", value)
		} else {
			fmt.Fprintf(log, "Extracted '%s' into '%s'\n", dest, sandbox)
		}
	}
	return nil
}

// download copies a local path or file:// URI, or GETs an http(s) URI.
func download(ctx context.Context, u, dest string) error {
	isFile := strings.HasPrefix(u, "file://")
	switch {
	case isFile || !strings.Contains(u, "://"):
		p := u
		if isFile {
			p = strings.TrimPrefix(strings.TrimPrefix(u, "file://"), "localhost")
		}
		if !filepath.IsAbs(p) {
			if isFile {
				return errors.New("File URI only supports absolute paths")
			}
			return errors.New("A relative path was passed for the resource but the Mesos framework home was not specified. Please either provide this config option or avoid using a relative path")
		}
		return copyFile(p, dest)
	case strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://"):
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return fmt.Errorf("Error downloading resource: %v", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("Error downloading resource: %v", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("Error downloading resource, received HTTP return code %d", resp.StatusCode)
		}
		f, err := os.Create(dest)
		if err != nil {
			return fmt.Errorf("Error downloading resource: %v", err)
		}
		if _, err := io.Copy(f, resp.Body); err != nil {
			f.Close()
			return fmt.Errorf("Error downloading resource: %v", err)
		}
		return f.Close()
	case strings.HasPrefix(u, "ftp://") || strings.HasPrefix(u, "ftps://"):
		return errors.New("Error downloading resource: FTP is not supported by localmesos")
	}
	// Mesos hands every other scheme to the Hadoop client.
	return errors.New("Failed to create HDFS client: localmesos has no Hadoop client for '" + u + "'")
}

func copyFile(src, dest string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("Failed to open file '%s': %v", src, err)
	}
	defer in.Close()
	out, err := os.Create(dest)
	if err != nil {
		return fmt.Errorf("Failed to create file '%s': %v", dest, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("Failed to copy '%s' to '%s': %v", src, dest, err)
	}
	return out.Close()
}

// extract unpacks an archive by its file name, as the fetcher's extract()
// does: tar (plain, gzip, bzip2), zip, and bare .gz files. xz has no
// reader in Go's standard library, so .txz/.tar.xz fail clearly. It
// reports false for a file that is not an archive.
func extract(src, dir string) (bool, error) {
	fail := func(err error) (bool, error) {
		return false, fmt.Errorf("Failed to extract archive '%s' to '%s': %v", src, dir, err)
	}
	switch {
	case strings.HasSuffix(src, ".tar"):
		return true, withFile(src, func(r io.Reader) error { return untar(r, dir) }, fail)
	case strings.HasSuffix(src, ".tgz"), strings.HasSuffix(src, ".tar.gz"):
		return true, withFile(src, func(r io.Reader) error {
			zr, err := gzip.NewReader(r)
			if err != nil {
				return err
			}
			return untar(zr, dir)
		}, fail)
	case strings.HasSuffix(src, ".tbz2"), strings.HasSuffix(src, ".tar.bz2"):
		return true, withFile(src, func(r io.Reader) error { return untar(bzip2.NewReader(r), dir) }, fail)
	case strings.HasSuffix(src, ".txz"), strings.HasSuffix(src, ".tar.xz"):
		return fail(errors.New("xz archives are not supported by localmesos (Go's standard library has no xz reader)"))
	case strings.HasSuffix(src, ".zip"):
		if err := unzip(src, dir); err != nil {
			return fail(err)
		}
		return true, nil
	case strings.HasSuffix(src, ".gz"):
		dest := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), ".gz"))
		err := withFile(src, func(r io.Reader) error {
			zr, err := gzip.NewReader(r)
			if err != nil {
				return err
			}
			out, err := os.Create(dest)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, zr); err != nil {
				out.Close()
				return err
			}
			return out.Close()
		}, func(err error) (bool, error) {
			return false, fmt.Errorf("Failed to extract '%s': 'gunzip -d -c' failed: %v", src, err)
		})
		return err == nil, err
	}
	return false, nil
}

func withFile(name string, f func(io.Reader) error, fail func(error) (bool, error)) error {
	in, err := os.Open(name)
	if err != nil {
		_, err = fail(err)
		return err
	}
	defer in.Close()
	if err := f(in); err != nil {
		_, err = fail(err)
		return err
	}
	return nil
}

// within returns the path of an archive entry under dir, refusing entries
// that would land outside it.
func within(dir, name string) (string, error) {
	p := filepath.Join(dir, name)
	if p != dir && !strings.HasPrefix(p, dir+string(filepath.Separator)) {
		return "", fmt.Errorf("archive entry %q would be written outside the sandbox", name)
	}
	return p, nil
}

func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		p, err := within(dir, h.Name)
		if err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := writeEntry(p, os.FileMode(h.Mode).Perm(), tr); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(h.Linkname, p); err != nil {
				return err
			}
		default:
			// Devices, FIFOs and hard links have no place in a sandbox.
		}
	}
}

func unzip(src, dir string) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		p, err := within(dir, f.Name)
		if err != nil {
			return err
		}
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		err = writeEntry(p, f.Mode().Perm(), rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func writeEntry(p string, mode os.FileMode, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
