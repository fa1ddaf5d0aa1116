#!/usr/bin/env bash
# Reproduces js-waku's relay race by hand (root): two jswaku nodes in two namespaces of their
# own, each publishing once a step; at step 6 the agent blackholes b's established wire
# connections (fault kind connection-drop), and with REDIAL_AT=N b opens a new connection at
# step N while the old one is still open (POST /admin/v1/peers?dial=new). Each step prints
# publish codes, messages received since the last step, mesh sizes and connection counts.
#   images/jswaku/lab/reconnect-race.sh                  # old connection dies alone: recovers
#   REDIAL_AT=7 LEASE=60000 images/jswaku/lab/reconnect-race.sh   # the race: mesh 0 for good
# Env: STEPS (40), MODE (blackhole|reset), LEASE (15000 ms), EXTRA (more node flags).
set -euo pipefail
cd "$(dirname "$0")/../../.."
W=$PWD J=$W/images/jswaku/jswaku.mjs AGENT=$W/build/faultlab-agent
D=$(mktemp -d /tmp/jswaku-race.XXXXXX) A=jswr-a-$$ B=jswr-b-$$ NET=10.213.250
[ -x "$AGENT" ] || { echo "build the agent first: make build/faultlab-agent" >&2; exit 2; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
	ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; echo "logs in $D"; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add jra$$ netns $A type veth peer name jrb$$ netns $B
ip -n $A addr add $NET.1/24 dev jra$$; ip -n $B addr add $NET.2/24 dev jrb$$
for n in "$A jra$$" "$B jrb$$"; do set -- $n; ip -n $1 link set $2 up; ip -n $1 link set lo up; done
# permanent neighbours: the host-wide ARP table may be full (see tests/priv/util_netns.c)
ip -n $A neigh replace $NET.2 dev jra$$ nud permanent lladdr $(ip -n $B -br link show dev jrb$$ | awk '{print $3}')
ip -n $B neigh replace $NET.1 dev jrb$$ nud permanent lladdr $(ip -n $A -br link show dev jra$$ | awk '{print $3}')
ip netns exec $A node $J --name a --listen $NET.1:60000 --rest 127.0.0.1:8645 --identity-seed 1 ${EXTRA:-} >$D/a.out 2>$D/a.err &
pids+=($!)
ip netns exec $B node $J --name b --listen $NET.2:60000 --rest 127.0.0.1:8645 --identity-seed 2 --peer $NET.1:60000 ${EXTRA:-} >$D/b.out 2>$D/b.err &
pids+=($!)
api() { local ns=$1; shift; ip netns exec "$ns" curl -s -m 5 "$@"; }
for _ in $(seq 100); do api $A -f 127.0.0.1:8645/health >/dev/null && api $B -f 127.0.0.1:8645/health >/dev/null && break; sleep 0.2; done
for n in $A $B; do api $n -XPOST 127.0.0.1:8645/relay/v1/auto/subscriptions -d '["/race/1/x/proto"]' >/dev/null; done
sleep 3
pub() { api $1 -o /dev/null -w '%{http_code}' -XPOST 127.0.0.1:8645/relay/v1/auto/messages \
	-d "{\"payload\":\"$(echo -n "$2" | base64)\",\"contentTopic\":\"/race/1/x/proto\"}"; }
got() { api $1 127.0.0.1:8645/relay/v1/auto/messages/%2Frace%2F1%2Fx%2Fproto | grep -o '"payload"' | wc -l; }
mesh() { api $1 127.0.0.1:8645/admin/v1/peers/mesh | grep -o '"pubsubTopic":"/waku/2/default-waku/proto","shard":null,"peers":\[[^]]*\]' | grep -o '"peerId"' | wc -l; }
conns() { api $1 127.0.0.1:8645/admin/v1/peers | grep -o '"connections":[0-9]*' | cut -d: -f2 | paste -sd+ | bc; }
exec 3> >(ip netns exec $B "$AGENT" --run jr$$ --node b --netns /run/netns/$B --ifname jrb$$ >$D/agent.out 2>$D/agent.err)
T0=$(date +%s)
for s in $(seq 1 "${STEPS:-40}"); do
	t=$(($(date +%s) - T0))
	if [ "$s" = 6 ]; then
		echo '{"op":"apply","id":"f1","kind":"connection-drop","lease_ms":'"${LEASE:-15000}"',"params":{"mode":"'"${MODE:-blackhole}"'","ports":[60000]}}' >&3
		echo "t=$t apply connection-drop ${MODE:-blackhole} on b"
	fi
	if [ "$s" = "${REDIAL_AT:-0}" ]; then
		echo "t=$t b: POST /admin/v1/peers?dial=new: $(api $B -XPOST -d "[\"$NET.1:60000\"]" "127.0.0.1:8645/admin/v1/peers?dial=new")"
	fi
	ra=$(pub $A "a$s"); rb=$(pub $B "b$s"); sleep 1
	echo "t=$t step=$s publish a:$ra b:$rb received a:$(got $A) b:$(got $B) mesh a:$(mesh $A) b:$(mesh $B) connections a:$(conns $A) b:$(conns $B)"
done
exec 3>&-
