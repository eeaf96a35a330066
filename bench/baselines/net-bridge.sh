#!/bin/sh
# net-bridge.sh N PREFIX: N network namespaces, each joined to one bridge by a
# veth, with an address and links up, then torn down -- one iproute2 command
# per step, as a shell script would do it. The bridge and its ports are
# tagged with a group and deleted in one command (one kernel batch) before
# the namespaces, as net-bridge.lua does with net.delete_links. Baseline for
# bench/net.go.
set -e
N=$1
P=${2:-nb}
ip link add "${P}br" type bridge
ip link set dev "${P}br" up group 4242
i=1
while [ "$i" -le "$N" ]; do
	ip netns add "$P$i"
	ip link add "${P}v$i" type veth peer name eth0 netns "$P$i"
	ip link set dev "${P}v$i" master "${P}br" up group 4242
	ip -n "$P$i" addr add "10.$((i / 200)).$((i % 200 + 1)).1/8" dev eth0
	ip -n "$P$i" link set eth0 up
	i=$((i + 1))
done
ip link delete group 4242
i=1
while [ "$i" -le "$N" ]; do
	ip netns del "$P$i"
	i=$((i + 1))
done
# the veths went with the group: ip link delete returns once they are gone
