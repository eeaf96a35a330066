// Command netbridge is the floor for the net benchmark: what net-bridge.lua
// does, written directly in Go against the kernel — N named netns (each made
// one ahead on a thread of its own that stays alive, with its netlink socket
// opened there, as nslua's look-ahead does), a one-queue veth from each to
// one bridge, an address, both ends up, then the bridge and the ports
// deleted as one group, the namespaces deleted.
// It takes nslua's other measures too (the fd table grown before Go starts
// its threads, one netlink socket per namespace), and has no Lua, no option
// checking and no handles: a floor for any program doing this work on this
// kernel. bench/net.go runs it beside nslua and iproute2.
//
// Usage: netbridge N PREFIX
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// The main goroutine keeps the main thread: a goroutine that exits locked
// to the main thread parks it instead of ending it, and a namespace that
// thread had unshared would live on.
func init() { runtime.LockOSThread() }

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: netbridge N PREFIX")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "netbridge: N must be a positive number")
		os.Exit(2)
	}
	if err := run(n, os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "netbridge:", err)
		os.Exit(1)
	}
}

// netnsMaker makes network namespaces on one locked thread that goes back
// to its original namespace after each, so no thread is created per
// namespace. Each request gets an fd of a new namespace and a netlink
// handle opened inside it.
func netnsMaker(reqs <-chan chan made) {
	runtime.LockOSThread() // never unlocked: the thread ends with the program
	home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	for r := range reqs {
		if err != nil {
			r <- made{-1, nil, err}
			continue
		}
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			r <- made{-1, nil, err}
			continue
		}
		fd, oerr := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		h, herr := netlink.NewHandle(unix.NETLINK_ROUTE)
		if err := unix.Setns(home, unix.CLONE_NEWNET); err != nil {
			panic(err) // a thread stuck in a namespace keeps it alive
		}
		if oerr == nil {
			oerr = herr
		}
		r <- made{fd, h, oerr}
	}
}

// portGroup tags the ports for their deletion in one request.
const portGroup = 4242

type made struct {
	fd  int
	h   *netlink.Handle
	err error
}

func run(n int, prefix string) error {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: prefix + "br", TxQLen: -1, Group: portGroup}}
	if err := h.LinkAdd(br); err != nil {
		return err
	}
	if err := h.LinkSetUp(br); err != nil {
		return err
	}
	if err := os.MkdirAll("/run/netns", 0o755); err != nil {
		return err
	}
	reqs := make(chan chan made)
	go netnsMaker(reqs)
	var ahead chan made
	next := func() {
		ahead = make(chan made, 1)
		reqs <- ahead
	}
	next()
	fds, handles, ports := make([]int, n), make([]*netlink.Handle, n), make([]int, n)
	for i := 0; i < n; i++ {
		m := <-ahead
		if m.err != nil {
			return m.err
		}
		if i+1 < n {
			next()
		}
		fds[i] = m.fd
		pin := fmt.Sprintf("/run/netns/%s%d", prefix, i+1)
		f, err := os.OpenFile(pin, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0)
		if err != nil {
			return err
		}
		f.Close()
		if err := unix.Mount(fmt.Sprintf("/proc/self/fd/%d", m.fd), pin, "none", unix.MS_BIND, ""); err != nil {
			return err
		}
		v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: fmt.Sprintf("%sv%d", prefix, i+1), TxQLen: -1,
			NumTxQueues: 1, NumRxQueues: 1, Group: portGroup}, PeerName: "eth0", PeerTxQLen: -1, PeerNamespace: netlink.NsFd(m.fd)}
		if err := h.LinkAdd(v); err != nil {
			return err
		}
		ports[i] = v.Index
		if err := h.LinkSetMaster(v, br); err != nil {
			return err
		}
		if err := h.LinkSetUp(v); err != nil {
			return err
		}
		nh := m.h
		handles[i] = nh
		eth, err := nh.LinkByName("eth0")
		if err != nil {
			return err
		}
		ip := net.IPv4(10, byte((i+1)/200), byte((i+1)%200+1), 1)
		if err := nh.AddrAdd(eth, &netlink.Addr{IPNet: &net.IPNet{IP: ip, Mask: net.CIDRMask(8, 32)}}); err != nil {
			return err
		}
		if err := nh.LinkSetUp(eth); err != nil {
			return err
		}
	}
	// the ports and the bridge go first, in one kernel batch, as
	// net.delete_links does
	// (tagged with the group at creation, where nslua tags them just before)
	req := nl.NewNetlinkRequest(unix.RTM_DELLINK, unix.NLM_F_ACK)
	req.AddData(nl.NewIfInfomsg(unix.AF_UNSPEC))
	req.AddData(nl.NewRtAttr(unix.IFLA_GROUP, nl.Uint32Attr(portGroup)))
	if _, err := req.Execute(unix.NETLINK_ROUTE, 0); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		pin := fmt.Sprintf("/run/netns/%s%d", prefix, i+1)
		if err := unix.Unmount(pin, unix.MNT_DETACH); err != nil {
			return err
		}
		if err := os.Remove(pin); err != nil {
			return err
		}
		handles[i].Close()
		unix.Close(fds[i])
	}
	for _, idx := range ports {
		for {
			if _, err := h.LinkByIndex(idx); err != nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	return nil
}
