package fs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMkdirAndList(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "a", "b")
	if err := Mkdir(deep, 0o700, false); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("mkdir without parents of a missing parent: want ENOENT, got %v", err)
	}
	if err := Mkdir(deep, 0o700, true); err != nil {
		t.Fatal(err)
	}
	if err := Mkdir(deep, 0o700, true); err != nil {
		t.Fatalf("mkdir -p of an existing directory: %v", err)
	}
	if err := Mkdir(deep, 0o700, false); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("mkdir of an existing directory: want EEXIST, got %v", err)
	}
	st, err := os.Stat(deep)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("mode: %v %v", st.Mode(), err)
	}
	os.WriteFile(filepath.Join(dir, "z"), nil, 0o600)
	names, err := List(dir)
	if err != nil || !reflect.DeepEqual(names, []string{"a", "z"}) {
		t.Fatalf("List = %v, %v", names, err)
	}
	if _, err := List(filepath.Join(dir, "nope")); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("List of a missing dir: want ENOENT, got %v", err)
	}
}

func TestIsTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if IsTerminal(int(r.Fd())) {
		t.Fatal("a pipe is not a terminal")
	}
	if IsTerminal(-1) {
		t.Fatal("fd -1 is not a terminal")
	}
}
