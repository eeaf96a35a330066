package spawn

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestUnusedRange(t *testing.T) {
	cases := []struct {
		used []idRange
		want int
	}{
		{nil, 100000},
		{[]idRange{{0, 1000}}, 100000},
		{[]idRange{{100000, 165536}}, 165536},
		{[]idRange{{165535, 165536}}, 165536},
		{[]idRange{{100000, 100001}, {165536, 200000}}, 231072},
		{[]idRange{{231072, 300000}}, 100000},
	}
	for _, c := range cases {
		if got := UnusedRange(c.used); got != c.want {
			t.Errorf("UnusedRange(%v) = %d, want %d", c.used, got, c.want)
		}
	}
}

func TestMountCheckAndOptions(t *testing.T) {
	bad := []Mount{
		{Type: "tmpfs"},
		{Target: "/x"},
		{Type: "bind", Target: "/x"},
		{Type: "bind", Source: "/a", Target: "/x", Options: "size=1"},
		{Type: "tmpfs", Target: "/x\x00"},
	}
	for _, m := range bad {
		if err := m.Check(); err == nil {
			t.Errorf("Check(%+v) accepted", m)
		}
	}
	m := Mount{Type: "tmpfs", Target: "/x", Options: "size=1m,ro,nosuid,mode=755,,noexec"}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	attrs, fsopts := m.splitOptions()
	if attrs != unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC {
		t.Errorf("attrs %#x", attrs)
	}
	if strings.Join(fsopts, ",") != "size=1m,mode=755" {
		t.Errorf("fs options %q", fsopts)
	}
}

func TestOutputReadLinesAndDrain(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	o := NewOutput(r, 5, true)
	defer o.Close()
	ctx := context.Background()
	w.WriteString("one\ntwo\nthree-and-more")
	if l, err := o.ReadLine(ctx); l != "one" || err != nil {
		t.Fatalf("ReadLine = %q, %v", l, err)
	}
	w.Close()
	o.BeginWait()
	<-o.Done()
	if data := o.Take(); string(data) != "two\nt" {
		t.Fatalf("Take = %q (max 5 bytes)", data)
	}
}

func TestOutputReadCancelled(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	o := NewOutput(r, 100, true)
	defer o.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := o.Read(ctx, 10); err != errCancelled {
		t.Fatalf("Read = %v, want cancelled", err)
	}
	w.WriteString("x")
	if b, err := o.Read(context.Background(), 10); string(b) != "x" || err != nil {
		t.Fatalf("Read after cancel = %q, %v", b, err)
	}
}

func TestLookPath(t *testing.T) {
	if p, err := lookPath("sh", []string{"PATH=/nonexistent:/usr/bin:/bin"}, ""); err != nil || !strings.HasSuffix(p, "/sh") {
		t.Errorf("lookPath(sh) = %q, %v", p, err)
	}
	if _, err := lookPath("no-such-program-xyz", nil, ""); err == nil || !strings.Contains(err.Error(), "ENOENT: exec(no-such-program-xyz)") {
		t.Errorf("lookPath(missing) = %v", err)
	}
}
