package net

import (
	"fmt"
	"os"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/nslua/nslua/bindings/ns"
	"github.com/nslua/nslua/engine"
)

// TestNewNetnsComesWithItsSocket: once net is loaded, every network
// namespace ns.create makes — the first on the spot, the next ones made
// ahead in the background, named or not — comes with net's netlink socket,
// opened inside it by the thread that made it, so net's first call there
// needs no thread hand-off. The socket goes with the script's last handle
// on the namespace, with ns.delete, and at VM close.
func TestNewNetnsComesWithItsSocket(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating network namespaces needs root (make test runs as root)")
	}
	vm := engine.New([]engine.Module{ns.Module, Module}, nil)
	defer vm.Close()
	vm.L.SetGlobal("name_suffix", lua.LString(fmt.Sprint(os.Getpid())))
	if err := vm.L.DoString(`
		local ns = require "ns"
		local net = require "net"
		hs = {}
		for i = 1, 4 do hs[i] = assert(ns.create("net")) end
		named_name = "nslua-conntest" .. name_suffix
		named = assert(ns.create("net", { name = named_name }))`); err != nil {
		t.Fatal(err)
	}
	take := func(v lua.LValue) (*engine.Handle, *Conn) {
		t.Helper()
		h := v.(*lua.LUserData).Value.(*engine.Handle)
		c, ok := vm.TakeNetnsConn(h.Dev, h.Ino).(*Conn)
		if !ok {
			t.Fatalf("no socket came with %s", h)
		}
		if c.ID != (NSID{h.Dev, h.Ino}) || c.Closed() {
			t.Fatalf("the socket that came with %s is for %v (closed: %v)", h, c.ID, c.Closed())
		}
		if _, err := c.LinkByName("lo"); err != nil {
			t.Fatalf("the socket that came with %s does not work: %v", h, err)
		}
		return h, c
	}
	hs := vm.L.GetGlobal("hs").(*lua.LTable)
	var conns []*Conn
	for i := 1; i <= hs.Len(); i++ {
		h, c := take(hs.RawGetInt(i))
		vm.KeepNetnsConn(h, c) // given back: kept until released
		conns = append(conns, c)
	}
	nh, nc := take(vm.L.GetGlobal("named"))
	vm.KeepNetnsConn(nh, nc)

	// the last handle closed, ns.delete, VM close: each lets the socket go
	if err := vm.L.DoString(`hs[1]:close(); assert(require("ns").delete(named_name))`); err != nil {
		t.Fatal(err)
	}
	if !conns[0].Closed() || !nc.Closed() {
		t.Errorf("sockets still open after h:close() (%v) and ns.delete (%v)", !conns[0].Closed(), !nc.Closed())
	}
	if conns[1].Closed() {
		t.Error("a socket closed with another namespace's handle")
	}
	vm.Close()
	for i, c := range conns {
		if !c.Closed() {
			t.Errorf("socket %d still open after VM close", i+1)
		}
	}
}

// TestNetTakesTheSocketThatCameWithTheNamespace: net's first calls on a new
// namespace (links, addrs, routes, sysctl with ns=, and plain calls inside
// ns.with) take the socket ns opened there instead of opening another: the
// engine keeps none for the namespace afterwards, and the socket that came
// with it is the one net uses until the handle closes.
func TestNetTakesTheSocketThatCameWithTheNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating network namespaces needs root (make test runs as root)")
	}
	vm := engine.New([]engine.Module{ns.Module, Module}, nil)
	defer vm.Close()
	for i, use := range []string{
		`assert(net.links { ns = h }); assert(net.addrs { ns = h }); assert(net.routes { ns = h })
		 assert(net.sysctl("net.ipv4.ip_forward", 1, { ns = h }))`,
		`assert(net.sysctl("net.ipv4.ip_forward", nil, { ns = h }))`,
		`ns.with(h, function() assert(net.link("lo")):up(); assert(net.routes()) end)`,
	} {
		if err := vm.L.DoString(`ns, net = require "ns", require "net"; h = assert(ns.create("net"))`); err != nil {
			t.Fatal(err)
		}
		h := vm.L.GetGlobal("h").(*lua.LUserData).Value.(*engine.Handle)
		c, ok := vm.TakeNetnsConn(h.Dev, h.Ino).(*Conn)
		if !ok {
			t.Fatalf("case %d: no socket came with %s", i+1, h)
		}
		vm.KeepNetnsConn(h, c) // looked at, given back
		if err := vm.L.DoString(use); err != nil {
			t.Fatal(err)
		}
		if k := vm.TakeNetnsConn(h.Dev, h.Ino); k != nil {
			k.Close()
			t.Errorf("case %d: net opened its own socket; the one that came with the namespace stayed unused", i+1)
		}
		if c.Closed() {
			t.Errorf("case %d: the socket that came with the namespace was closed, not used", i+1)
		}
		if err := vm.L.DoString(`h:close()`); err != nil {
			t.Fatal(err)
		}
		if !c.Closed() {
			t.Errorf("case %d: the socket net used is not the one that came with the namespace (still open after h:close)", i+1)
			c.Close()
		}
	}
}
