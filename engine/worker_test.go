package engine

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// foreignNetns makes a network namespace the process is not in: a locked
// helper thread unshares it, opens it, and dies with its goroutine. The
// returned fd is the only thing keeping the namespace alive.
func foreignNetns(t *testing.T) (fd int, link string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (CAP_SYS_ADMIN) to create a network namespace")
	}
	type result struct {
		fd   int
		link string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: this thread dies in the new netns
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ch <- result{err: err}
			return
		}
		fd, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- result{err: err}
			return
		}
		link, err := os.Readlink("/proc/thread-self/ns/net")
		ch <- result{fd, link, err}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatalf("making a netns: %v", r.err)
	}
	t.Cleanup(func() { unix.Close(r.fd) })
	return r.fd, r.link
}

func processThreads(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads: line in /proc/self/status")
	return 0
}

// threadsIn counts the process's threads whose netns link reads link.
func threadsIn(link string) int {
	tasks, _ := filepath.Glob("/proc/self/task/*/ns/net")
	n := 0
	for _, p := range tasks {
		if l, err := os.Readlink(p); err == nil && l == link {
			n++
		}
	}
	return n
}

// TestOnWorkerNeverLeaksItsNamespace is DESIGN §2.2's promise: a worker runs
// inside the target namespace, no other goroutine ever finds itself there
// (not while workers run, not after), and every worker thread is destroyed.
func TestOnWorkerNeverLeaksItsNamespace(t *testing.T) {
	fd, foreign := foreignNetns(t)
	host, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	if host == foreign {
		t.Fatalf("the new netns %s is the test's own", foreign)
	}
	targets := []Target{{Kind: KindNet, Fd: fd}}
	var tidsMu sync.Mutex
	tids := map[int]bool{} // the threads the workers ran on
	work := func(cur *ThreadNS) error {
		tidsMu.Lock()
		tids[unix.Gettid()] = true
		tidsMu.Unlock()
		l, err := os.Readlink("/proc/thread-self/ns/net")
		if err != nil {
			return err
		}
		if l != foreign {
			return fmt.Errorf("worker thread is in %s, want %s", l, foreign)
		}
		if _, ino := cur.ID(KindNet); "net:["+strconv.FormatUint(ino, 10)+"]" != foreign {
			return fmt.Errorf("worker's ThreadNS says net inode %d, want %s", ino, foreign)
		}
		return nil
	}
	runWorkers := func(n, parallel int) {
		var wg sync.WaitGroup
		errs := make(chan error, parallel)
		for p := 0; p < parallel; p++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < n/parallel; i++ {
					if err := OnWorker(NewThreadNS(), targets, work); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}

	// Observers: plain goroutines, scheduled on whatever thread the runtime
	// picks, including any that a worker might have handed back.
	var stop atomic.Bool
	var seen, reads atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 4*runtime.GOMAXPROCS(0); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if l, err := os.Readlink("/proc/thread-self/ns/net"); err == nil {
					reads.Add(1)
					if l != host {
						seen.Add(1)
					}
				}
				runtime.Gosched()
			}
		}()
	}

	// Warm up so that the runtime has every thread it wants for this load
	// before the baseline is taken; worker threads die, idle ones stay.
	runWorkers(40, 4)
	baseline := processThreads(t)
	runWorkers(1000, 4)
	stop.Store(true)
	wg.Wait()

	if n := seen.Load(); n > 0 {
		t.Errorf("%d of %d reads on other goroutines saw a namespace other than %s", n, reads.Load(), host)
	}
	if reads.Load() < 1000 {
		t.Errorf("observers read only %d times: the test proved little", reads.Load())
	}
	// Threads exit asynchronously after their goroutine ends: poll until
	// none of the workers' threads is left (a thread id is not reused
	// this soon). The runtime may meanwhile have started idle threads of
	// its own, more of them on a busy machine (a goroutine blocked in a
	// syscall has its P handed to another thread); those are not the
	// workers', and it never destroys them. What must not survive is a
	// thread per worker, or any thread in the worker's namespace.
	alive := func() (n int) {
		tidsMu.Lock()
		defer tidsMu.Unlock()
		for tid := range tids {
			if _, err := os.Stat(fmt.Sprintf("/proc/self/task/%d", tid)); err == nil {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(20 * time.Second)
	var left, inForeign int
	for {
		left, inForeign = alive(), threadsIn(foreign)
		if (left == 0 && inForeign == 0) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronisation
	}
	now := processThreads(t)
	if inForeign != 0 {
		t.Errorf("%d threads are still in the foreign netns %s", inForeign, foreign)
	}
	if left != 0 {
		t.Errorf("%d of the %d threads workers ran on still exist", left, len(tids))
	}
	if now > baseline+100 {
		t.Errorf("threads: %d after 1000 workers, baseline %d", now, baseline)
	}
	t.Logf("1000 workers on %d threads: %d observer reads, threads baseline %d, after %d", len(tids), reads.Load(), baseline, now)
}

// A worker that panics reports an internal error instead of crashing, and its
// thread (in the foreign namespace) is still destroyed.
func TestOnWorkerPanicIsAnError(t *testing.T) {
	fd, foreign := foreignNetns(t)
	err := OnWorker(NewThreadNS(), []Target{{Kind: KindNet, Fd: fd}}, func(*ThreadNS) error { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "internal error on worker thread: boom") {
		t.Fatalf("got %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for threadsIn(foreign) > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := threadsIn(foreign); n > 0 {
		t.Fatalf("%d threads left in %s after a panicking worker", n, foreign)
	}
}

// A worker's error comes back to the caller as it is.
func TestOnWorkerReturnsError(t *testing.T) {
	want := fmt.Errorf("from the worker")
	if err := OnWorker(NewThreadNS(), nil, func(*ThreadNS) error { return want }); err != want {
		t.Fatalf("got %v, want %v", err, want)
	}
}

// Pooled workers (ns.with) keep the same promise as fresh ones: each job runs
// in exactly its namespaces, nothing else ever observes them, and an idle
// thread is back in the original namespaces (it keeps nothing alive).
func TestPooledWorkerMovesExactlyAndParksClean(t *testing.T) {
	fd, foreign := foreignNetns(t)
	host, _ := os.Readlink("/proc/thread-self/ns/net")
	var stop atomic.Bool
	var seen atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if l, err := os.Readlink("/proc/thread-self/ns/net"); err == nil && l != host {
					seen.Add(1)
				}
				runtime.Gosched()
			}
		}()
	}
	tids := map[int]bool{}
	for i := 0; i < 1000; i++ {
		var targets []Target
		want := host
		if i%3 != 0 { // alternate, so threads move both ways between jobs
			targets, want = []Target{{Kind: KindNet, Fd: fd}}, foreign
		}
		var got string
		err := onPooledWorker(NewThreadNS(), targets, func(*ThreadNS) {
			got, _ = os.Readlink("/proc/thread-self/ns/net")
			tids[unix.Gettid()] = true
		})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("job %d ran in %s, want %s", i, got, want)
		}
	}
	stop.Store(true)
	wg.Wait()
	if n := seen.Load(); n > 0 {
		t.Errorf("other goroutines saw a foreign netns %d times", n)
	}
	if len(tids) > 100 {
		t.Errorf("1000 jobs used %d threads: the pool is not reusing them", len(tids))
	}
	deadline := time.Now().Add(10 * time.Second)
	for threadsIn(foreign) > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling interval
	}
	if n := threadsIn(foreign); n > 0 {
		t.Errorf("%d idle threads still in %s", n, foreign)
	}
}

// A job that taints its thread (untracked per-thread state) gets a thread
// nobody else will use.
func TestPooledWorkerTaintedThreadDies(t *testing.T) {
	var first, second int
	onPooledWorker(NewThreadNS(), nil, func(cur *ThreadNS) { first = unix.Gettid(); cur.Taint() })
	onPooledWorker(NewThreadNS(), nil, func(*ThreadNS) { second = unix.Gettid() })
	if first == second {
		t.Fatalf("a tainted thread (%d) was reused", first)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(fmt.Sprintf("/proc/self/task/%d", first)); os.IsNotExist(err) {
			return
		}
		time.Sleep(5 * time.Millisecond) // polling interval
	}
	t.Fatalf("tainted thread %d still exists", first)
}
