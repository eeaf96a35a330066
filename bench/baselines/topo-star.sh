#!/bin/sh
# topo-star.sh N: what topo's star benchmark does, with iproute2 from a shell:
# a bridge in a netns of its own, N hosts (each a named netns) with a veth to
# it and an address, one ping from the first host to the last, teardown.
set -eu
n=${1:?usage: topo-star.sh N}
p=bsh
addr() { # host i -> 10.0.x.y in a /22 (i from 1)
	echo "10.0.$(( $1 / 256 )).$(( $1 % 256 ))"
}
cleanup() {
	for i in $(seq 1 "$n"); do ip netns del "$p-h$i" 2>/dev/null || true; done
	ip netns del "$p" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$p"
ip -n "$p" link add s1 type bridge
ip -n "$p" link set s1 up
for i in $(seq 1 "$n"); do
	ip netns add "$p-h$i"
	ip link add "h$i-eth0" netns "$p-h$i" type veth peer name "s1-eth$i" netns "$p"
	ip -n "$p" link set "s1-eth$i" master s1 up
	ip -n "$p-h$i" addr add "$(addr "$i")/22" dev "h$i-eth0"
	ip -n "$p-h$i" link set "h$i-eth0" up
	ip -n "$p-h$i" link set lo up
done
ip netns exec "$p-h1" ping -c 1 -W 5 "$(addr "$n")" >/dev/null
