#!/usr/bin/env bash
# Docker deploy (root, dockerd running): N labnode containers (default 20) — faultlab's image,
# a fixed address on a lab subnet, /data bind-mounted, the labnode command line, the run's
# labels — started by
#   seq: a sequential `docker run -d` loop (docker's CLI, one container after the other) on an
#        internal docker network, as a user would start them, and
#   fl:  `faultlab run --runtime docker` of an N-node scenario: its deploy phase (FL_LOG_LEVEL=
#        debug's "phase deploy"), which creates, starts and inspects every container on
#        NetworkMode none and wires each one to the run's hub namespace itself.
# Runs the two alternately R times (default 3; the host is shared: alternating spreads its
# load over both) and prints each figure, the medians and fl/seq. Removes what it made (its
# own labels and names only).
#
#   tests/bench/bench_docker.sh [N [R]]    (FL_BENCH_DOCKER="20 3" make bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
fl=build/faultlab
set -- ${*:-${FL_BENCH_DOCKER:-20 3}}
n=${1:-20} reps=${2:-3}
[ "$(id -u)" = 0 ] || { echo "bench_docker: needs root, skipped"; exit 0; }
docker version >/dev/null 2>&1 || { echo "bench_docker: no docker daemon (tools/setup docker), skipped"; exit 0; }
[ "$n" -le 250 ] || { echo "bench_docker: N <= 250 (one /24)"; exit 2; }
tmp=$(mktemp -d /tmp/fl-bench-docker.XXXXXX)
id=bd$$
net=fl-$id
cleanup() {
	docker ps -aq --filter "label=faultlab.run=$id" | xargs -r docker rm -f >/dev/null 2>&1 || true
	docker network rm "$net" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/s.yaml" <<YAML
version: 1
name: bench-docker
seed: 1
duration: 2s
drain: {exactly: 1s}
defaults: {image: labnode}
nodes:
  - name: n{1..$n}
    role: relay
topology: {kind: mesh, degree: 2}
YAML

# The image as faultlab wants it (rebuilt when stale), outside both timings.
"$fl" image build labnode >/dev/null

# A free /24 for the sequential loop: the daemon's networks and live runs' subnets avoided.
pick_subnet() {
	local used k
	used=$(docker network inspect $(docker network ls -q) -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' 2>/dev/null
		cat /run/faultlab/*.subnet 2>/dev/null || true)
	for k in $(seq 200 254); do
		grep -q "10\.213\.$k\." <<<"$used" || { echo "$k"; return; }
	done
	echo "bench_docker: no free 10.213.x.0/24" >&2
	exit 1
}

seq_once() { # → ms for N sequential docker run -d
	local k i t0 t1
	k=$(pick_subnet)
	docker network create --internal --label "faultlab.run=$id" --subnet "10.213.$k.0/24" \
		--gateway "10.213.$k.1" -o "com.docker.network.bridge.name=$net" "$net" >/dev/null
	t0=$(date +%s%N)
	for i in $(seq 1 "$n"); do
		mkdir -p "$tmp/seq/n$i"
		docker run -d --name "$net-n$i" --hostname "n$i" --label "faultlab.run=$id" \
			--label "faultlab.node=n$i" --network "$net" --ip "10.213.$k.$((i + 1))" \
			-v "$tmp/seq/n$i:/data" faultlab/labnode:latest \
			--name "n$i" --role relay --listen 0.0.0.0:60000 --rest 0.0.0.0:8645 \
			--events /data/events.jsonl --identity-file /data/identity.seed \
			--reliability none >/dev/null
	done
	t1=$(date +%s%N)
	docker ps -aq --filter "label=faultlab.run=$id" | xargs -r docker rm -f >/dev/null
	docker network rm "$net" >/dev/null
	rm -rf "$tmp/seq"
	echo $(((t1 - t0) / 1000000))
}

fl_once() { # → ms of faultlab's deploy phase
	rm -rf "$tmp/run"
	FL_LOG_LEVEL=debug "$fl" run "$tmp/s.yaml" --runtime docker --out "$tmp/run" --quiet \
		>/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
	awk '/phase deploy:/ { printf "%d\n", $(NF - 1) }' "$tmp/err"
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

seqs="" fls=""
for r in $(seq 1 "$reps"); do
	s=$(seq_once)
	f=$(fl_once)
	printf 'bench_docker: round %d: docker run -d loop of %d: %d ms, faultlab deploy of %d: %d ms\n' \
		"$r" "$n" "$s" "$n" "$f"
	seqs="$seqs $s" fls="$fls $f"
done
ms=$(echo "$seqs" | median) mf=$(echo "$fls" | median)
printf 'bench_docker: N=%d medians of %d: docker run -d loop %d ms, faultlab deploy %d ms, ratio %.2f (target <= 0.50), load %s\n' \
	"$n" "$reps" "$ms" "$mf" "$(awk -v a="$mf" -v b="$ms" 'BEGIN { print a / b }')" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
