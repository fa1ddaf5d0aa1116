#!/usr/bin/env bash
# The scale curve (root): for N labnodes in a degree-4 mesh on the netns runtime, one
# `faultlab run` each — deploy, ready, agents, a partition of N/10 nodes from the rest (the
# slowest node's apply time, and in_force_ms: planned time → the last node's applied_ms; one
# way, the rest drop the N/10: a two-way cut would give each of the N/10 a drop list of 0.9 N
# addresses, and an agent takes at most 256 per fault), teardown, faultlab's own max RSS and
# CPU seconds, and labnode /
# agent RSS per node sampled while the run is up. Prints one table row per N.
#
#   tests/bench/bench_scale.sh [N...]        (default: 100 250 500 1000)
#   FL_BENCH_SCALE="100 250" make bench      (the same through make bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
fl=build/faultlab
ns=${*:-${FL_BENCH_SCALE:-100 250 500 1000}}
tmp=$(mktemp -d /tmp/fl-bench-scale.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[ "$(id -u)" = 0 ] || { echo "bench_scale: needs root, skipped"; exit 0; }

scenario() { # N → a scenario on stdout
	local n=$1 k=$(($1 / 10))
	cat <<YAML
version: 1
name: scale-$n
seed: 1
duration: 12s
drain: {exactly: 2s}
nodes:
  - name: a{1..$k}
  - name: b{1..$((n - k))}
topology: {kind: mesh, degree: 4}
traffic:
  - {kind: relay, from: a1, to: b1, interval: 1s, count: 8, start: 1s}
faults:
  - {at: 4s, for: 4s, partition: {groups: [["a*"], ["b*"]], direction: forward}}
YAML
}

# Average RSS (MiB) of run $2's processes called $1: nodes live in the run's cgroups
# (…/faultlab/<run id>/<node>), agents name the run on their command line (--run <id>).
# "-" when none was found at the sampling moment (not a zero).
avg_rss() {
	local pid s=0 k=0 r
	for pid in $(pgrep -x "$1"); do
		{ grep -q "/faultlab/$2/" "/proc/$pid/cgroup" ||
			tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "--run $2 "; } 2>/dev/null || continue
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
		s=$((s + ${r:-0})) k=$((k + 1))
	done
	awk -v s="$s" -v k="$k" 'BEGIN { if (k) printf "%.1f", s / k / 1024; else printf "-" }'
}

printf '%6s %9s %9s %9s %12s %11s %10s %12s %10s %12s %12s\n' N deploy_s ready_s agents_s \
	partition_ms in_force_ms teardown_s faultlab_MiB cpu_s labnode_MiB agent_MiB
for n in $ns; do
	scenario "$n" >"$tmp/s$n.yaml"
	FL_LOG_LEVEL=debug /usr/bin/time -f '%M %U %S' -o "$tmp/time$n" \
		"$fl" run "$tmp/s$n.yaml" --out "$tmp/run$n" --quiet >/dev/null 2>"$tmp/err$n" &
	pid=$!
	ln_rss=- ag_rss=-
	for _ in $(seq 1 600); do # sample once the timeline runs (run-start in the journal)
		if grep -q run-start "$tmp/run$n/events.jsonl" 2>/dev/null; then
			sleep 5
			id=$(head -1 "$tmp/run$n/events.jsonl" | sed 's/.*"run_id":"\([a-z0-9]*\)".*/\1/')
			ln_rss=$(avg_rss labnode "$id") ag_rss=$(avg_rss faultlab-agent "$id")
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	wait "$pid" || true
	phase() { awk -v p="phase $1:" 'index($0, p) { v = $(NF - 1) } END { printf "%.2f", v / 1000 }' "$tmp/err$n"; }
	part=$(grep '"fault-apply"' "$tmp/run$n/events.jsonl" 2>/dev/null |
		sed 's/.*"issued_ms":\([0-9.]*\).*"applied_ms":\([0-9.]*\).*/\1 \2/' |
		awk '{ d = $2 - $1; if (d > m) m = d } END { printf "%.1f", m }')
	inforce=$(grep '"fault-apply"' "$tmp/run$n/events.jsonl" 2>/dev/null |
		sed 's/.*"planned_ms":\([0-9.]*\).*"applied_ms":\([0-9.]*\).*/\1 \2/' |
		awk '{ d = $2 - $1; if (d > m) m = d } END { printf "%.1f", m }')
	read -r maxrss ut st <"$tmp/time$n"
	printf '%6s %9s %9s %9s %12s %11s %10s %12.1f %10.2f %12s %12s\n' "$n" "$(phase deploy)" \
		"$(phase ready)" "$(phase agents)" "$part" "$inforce" "$(phase teardown)" \
		"$(echo "$maxrss / 1024" | bc -l)" "$(echo "$ut + $st" | bc -l)" "$ln_rss" "$ag_rss"
	grep -q 'nodes .* up' "$tmp/err$n" || tail -3 "$tmp/err$n"
done
