// Package fs is the Lua module "fs": the few file-system calls Lua 5.1's io
// and os libraries lack and that stdlib modules need (topo keeps its state
// files under a directory it creates and lists): mkdir -p, a directory
// listing, the type of a file, and whether a standard stream is a terminal.
package fs

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// Mkdir creates dir with mode (and, with parents, every missing parent, as
// `mkdir -p`), as `mkdir -m MODE`: each directory it creates gets exactly
// mode — setuid, setgid and sticky bits included, the umask left out — and
// existing ones are left alone. An existing directory is not an error with
// parents. A failure names the directory that could not be made.
func Mkdir(dir string, mode uint32, parents bool) error {
	err := unix.Mkdir(dir, mode)
	if err == unix.ENOENT && parents {
		parent := filepath.Dir(strings.TrimRight(dir, "/"))
		if parent != dir && parent != "." && parent != "/" {
			if perr := Mkdir(parent, mode, true); perr != nil {
				return perr
			}
			err = unix.Mkdir(dir, mode)
		}
	}
	if err == unix.EEXIST && parents {
		var st unix.Stat_t
		if serr := unix.Stat(dir, &st); serr == nil {
			if st.Mode&unix.S_IFMT == unix.S_IFDIR {
				return nil
			}
			err = unix.ENOTDIR
		}
	}
	if err == nil {
		// mkdir(2) takes the umask away and may ignore the sticky and
		// setgid bits
		err = unix.Chmod(dir, mode)
	}
	if err != nil {
		return &engine.OpError{Op: "mkdir", Arg: dir, Err: err}
	}
	return nil
}

// List returns the names in dir, sorted, as `ls -A`.
func List(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, &engine.OpError{Op: "open", Arg: dir, Err: errnoOf(err)}
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, &engine.OpError{Op: "readdir", Arg: dir, Err: errnoOf(err)}
	}
	sort.Strings(names)
	return names, nil
}

// Read returns the contents of the file at path, as cat(1) prints them.
func Read(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		op := "open"
		if pe, ok := err.(*os.PathError); ok {
			op = pe.Op // "read" of a directory
		}
		return nil, &engine.OpError{Op: op, Arg: path, Err: errnoOf(err)}
	}
	return data, nil
}

// Type names the kind of file at path, following symlinks as `stat -L`
// does; a symlink whose target is missing is "link". A path with nothing
// there is an ENOENT error, as `test -e` fails.
func Type(path string) (string, error) {
	var st unix.Stat_t
	err := unix.Stat(path, &st)
	if err == unix.ENOENT {
		if lerr := unix.Lstat(path, &st); lerr == nil {
			return "link", nil
		}
	}
	if err != nil {
		return "", &engine.OpError{Op: "stat", Arg: path, Err: err}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return "dir", nil
	case unix.S_IFCHR:
		return "char", nil
	case unix.S_IFBLK:
		return "block", nil
	case unix.S_IFIFO:
		return "fifo", nil
	case unix.S_IFSOCK:
		return "socket", nil
	default:
		return "file", nil
	}
}

// IsTerminal reports whether fd is a terminal, as `test -t FD`.
func IsTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// errnoOf unwraps an *os.PathError to its errno, so the error triple names it.
func errnoOf(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
