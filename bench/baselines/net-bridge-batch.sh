#!/bin/sh
# net-bridge-batch.sh N PREFIX: what net-bridge.sh does, through ip -batch:
# one batch for the host side, one per namespace for the inside (ip -batch
# takes no -n per line), one for the teardown (the ports deleted as one group
# and the bridge first, as in net-bridge.sh). Baseline for bench/net.go.
set -e
N=$1
P=${2:-nb}
{
	echo "link add ${P}br type bridge"
	echo "link set dev ${P}br up group 4242"
	i=1
	while [ "$i" -le "$N" ]; do
		echo "netns add $P$i"
		echo "link add ${P}v$i type veth peer name eth0 netns $P$i"
		echo "link set dev ${P}v$i master ${P}br up group 4242"
		i=$((i + 1))
	done
} | ip -batch -
i=1
while [ "$i" -le "$N" ]; do
	printf 'addr add %s dev eth0\nlink set eth0 up\n' "10.$((i / 200)).$((i % 200 + 1)).1/8" | ip -n "$P$i" -batch -
	i=$((i + 1))
done
{
	echo "link delete group 4242"
	i=1
	while [ "$i" -le "$N" ]; do
		echo "netns del $P$i"
		i=$((i + 1))
	done
} | ip -batch -
