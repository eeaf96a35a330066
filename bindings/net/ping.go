package net

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// ICMPSocket sends ICMP echo requests from the network namespace it was
// opened in (a socket stays bound to its namespace on any thread).
type ICMPSocket struct {
	fd   int
	v6   bool
	raw  bool // raw socket (root); else a datagram "ping" socket
	Kind string
}

// OpenICMP opens an ICMP socket in the calling thread's network namespace:
// a raw socket, which needs CAP_NET_RAW there (root, or --rootless's mapped
// root), because datagram ping sockets depend on net.ipv4.ping_group_range,
// which is "1 0" (nobody) in every new namespace. When the raw socket is
// refused it falls back to a ping socket.
func OpenICMP(v6 bool) (*ICMPSocket, error) {
	fam, proto := unix.AF_INET, unix.IPPROTO_ICMP
	if v6 {
		fam, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
	}
	fd, err := unix.Socket(fam, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err == nil {
		return &ICMPSocket{fd: fd, v6: v6, raw: true, Kind: "raw"}, nil
	}
	fd, err2 := unix.Socket(fam, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err2 != nil {
		return nil, &engine.OpError{Op: "ping", Arg: "socket", Err: err,
			Text: "no raw ICMP socket (needs CAP_NET_RAW) and no ping socket (net.ipv4.ping_group_range)"}
	}
	return &ICMPSocket{fd: fd, v6: v6, Kind: "dgram"}, nil
}

// Close closes the socket.
func (s *ICMPSocket) Close() error { return unix.Close(s.fd) }

// PingResult is what Ping measured.
type PingResult struct {
	Sent, Received int
	RTTs           []time.Duration
}

// Ping sends count echo requests to dst one after another, waiting up to
// timeout for each reply, and returns what came back. It returns early with
// ECANCELED when ctx is cancelled (Ctrl-C). Equivalent to
// `ping -c COUNT -W TIMEOUT ADDR` without the one-second interval.
func (s *ICMPSocket) Ping(ctx context.Context, dst netip.Addr, count int, timeout time.Duration) (*PingResult, error) {
	arg := dst.String()
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, &engine.OpError{Op: "ping", Arg: arg, Err: err}
	}
	defer unix.Close(efd)
	stop := context.AfterFunc(ctx, func() {
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		unix.Write(efd, one[:])
	})
	defer stop()

	var sa unix.Sockaddr
	if s.v6 {
		sa = &unix.SockaddrInet6{Addr: dst.As16()}
	} else {
		sa = &unix.SockaddrInet4{Addr: dst.As4()}
	}
	id := uint16(rand.IntN(0xffff) + 1)
	res := &PingResult{}
	buf := make([]byte, 1500)
	// a reply that comes after its own wait ended still counts while the
	// next one is awaited (the kernel may hold the first echo for a
	// neighbour resolution that takes a retransmission, one second)
	pending := map[uint16]time.Time{}
	for seq := 1; seq <= count; seq++ {
		pkt := s.echo(id, uint16(seq))
		sent := time.Now()
		if err := unix.Sendto(s.fd, pkt, 0, sa); err != nil {
			if res.Sent == 0 && err != unix.EHOSTUNREACH {
				return nil, &engine.OpError{Op: "ping", Arg: arg, Err: err}
			}
			res.Sent++
			continue
		}
		res.Sent++
		pending[uint16(seq)] = sent
		deadline := sent.Add(timeout)
		for pending[uint16(seq)] != (time.Time{}) {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}, {Fd: int32(efd), Events: unix.POLLIN}}
			ms := int((left + time.Millisecond - 1) / time.Millisecond)
			if _, err := unix.Poll(fds, ms); err != nil && err != unix.EINTR {
				return nil, &engine.OpError{Op: "ping", Arg: arg, Err: err}
			}
			if fds[1].Revents != 0 || ctx.Err() != nil {
				return nil, &engine.OpError{Op: "ping", Arg: arg, Err: unix.ECANCELED, Text: "interrupted"}
			}
			if fds[0].Revents == 0 {
				continue
			}
			n, from, err := unix.Recvfrom(s.fd, buf, 0)
			if err != nil {
				continue // EAGAIN, or an ICMP error queued on the socket
			}
			if rseq, ok := s.reply(buf[:n], from, dst, id); ok {
				if at, ok := pending[rseq]; ok && at != (time.Time{}) {
					res.Received++
					res.RTTs = append(res.RTTs, time.Since(at))
					pending[rseq] = time.Time{}
				}
			}
		}
	}
	return res, nil
}

// echo builds an echo request with a 56-byte payload, as ping sends.
func (s *ICMPSocket) echo(id, seq uint16) []byte {
	pkt := make([]byte, 8+56)
	pkt[0] = 8 // echo request
	if s.v6 {
		pkt[0] = 128
	}
	binary.BigEndian.PutUint16(pkt[4:], id)
	binary.BigEndian.PutUint16(pkt[6:], seq)
	for i := 8; i < len(pkt); i++ {
		pkt[i] = byte(i)
	}
	if !s.v6 { // the kernel sums ICMPv6 and ping sockets itself
		binary.BigEndian.PutUint16(pkt[2:], checksum(pkt))
	}
	return pkt
}

// reply returns the sequence number of b when it is an echo reply to us.
func (s *ICMPSocket) reply(b []byte, from unix.Sockaddr, dst netip.Addr, id uint16) (uint16, bool) {
	if s.raw && !s.v6 { // raw IPv4 sockets deliver the IP header too
		if len(b) < 20 || len(b) < int(b[0]&0x0f)*4 {
			return 0, false
		}
		b = b[int(b[0]&0x0f)*4:]
	}
	if len(b) < 8 {
		return 0, false
	}
	want := byte(0)
	if s.v6 {
		want = 129
	}
	if b[0] != want || b[1] != 0 {
		return 0, false
	}
	if s.raw && binary.BigEndian.Uint16(b[4:]) != id {
		return 0, false // someone else's echo reply
	}
	var src netip.Addr
	switch f := from.(type) {
	case *unix.SockaddrInet4:
		src = netip.AddrFrom4(f.Addr)
	case *unix.SockaddrInet6:
		src = netip.AddrFrom16(f.Addr)
	}
	if src != dst && !dst.IsMulticast() {
		return 0, false
	}
	return binary.BigEndian.Uint16(b[6:]), true
}

func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
