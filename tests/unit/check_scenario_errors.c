/* The broken-file table: each scenario is wrong in one way (one case several) and must be
 * refused with exactly these messages, positions included (file "t.yaml", errors sorted by
 * position). BASE is a valid scenario of two nodes that many cases extend. */
#include "orchestrator/scenario/scenario.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define SQ_BASE                                                                                    \
	"version: 1\nname: t\nduration: 1m\nnodes:\n  - {name: a}\n  - {name: b}\n  - {name: s, "  \
	"role: "                                                                                   \
	"service}\ntraffic:\n  - {name: chat, kind: dm, from: a, to: b, rate: 1/s, count: 2}\n"
#define BASE "version: 1\nname: t\nduration: 1m\nnodes:\n  - name: a\n  - name: b\n"

struct broken_case {
	const char *name;
	const char *yaml;
	const char *errors; /* every error, one per line */
};

static const struct broken_case broken_cases[] = {
    {"unknown top key", BASE "topolgy: {kind: full}\n",
     "t.yaml:7:1: unknown key \"topolgy\" in the scenario (expected one of: version, name, "
     "description, seed, runtime, duration, drain, images, telemetry, defaults, nodes, sites, "
     "topology, traffic, faults, expect)\n"},
    {"topology degre", BASE "topology:\n  kind: mesh\n  degre: 3\n",
     "t.yaml:9:3: unknown key \"degre\" in topology (expected one of: kind, degree, links)\n"},
    {"bare duration", "version: 1\nname: t\nduration: 5\nnodes:\n  - name: a\n  - name: b\n",
     "t.yaml:3:11: expected a duration such as 250ms, 2s, 1.5s, 3m or 1h, got \"5\" (a bare number "
     "has no unit)\n"},
    {"bad name", "version: 1\nname: Smoke Test\nduration: 1m\nnodes:\n  - name: a\n  - name: b\n",
     "t.yaml:2:7: expected a name of lowercase letters, digits and - (at most 64), got \"Smoke "
     "Test\"\n"},
    {"version 2", "version: 2\nname: t\nduration: 1m\nnodes:\n  - name: a\n  - name: b\n",
     "t.yaml:1:10: unsupported version \"2\" (this faultlab reads version 1)\n"},
    {"missing nodes", "version: 1\nname: t\nduration: 1m\n",
     "t.yaml:1:1: missing key \"nodes\" in the scenario\n"},
    {"no kind", BASE "faults:\n  - at: 1s\n    for: 2s\n",
     "t.yaml:8:5: a fault needs one of: netem, bandwidth, partition, link-down, freeze, suspend, "
     "kill, restart, connection-drop\n"},
    {"full too big", "version: 1\nname: t\nduration: 1m\nnodes:\n  - name: n{1..2000}\n",
     "t.yaml:1:1: a full topology of 2000 nodes makes 1999000 links (at most 1000000)\n"},
    {"too many messages",
     BASE "traffic:\n  - {kind: dm, from: a, to: b, rate: 10000/s, count: 600000}\n"
	  "  - {kind: dm, from: b, to: a, rate: 10000/s, count: 600000}\n",
     "t.yaml:9:5: traffic \"t2\" brings the run above 1000000 messages\n"},
    {"did you mean",
     BASE "  - name: alice\nfaults:\n  - {at: 1s, for: 1s, freeze: {target: alcie}}\n",
     "t.yaml:9:40: no node named \"alcie\" (did you mean \"alice\"?)\n"},
    {"lightpush no service",
     BASE "traffic:\n  - {kind: lightpush, from: a, to: b, rate: 1/s, count: 5}\n",
     "t.yaml:8:5: traffic \"t1\": lightpush needs a node with role: service to push through\n"},
    {"yaml syntax", BASE "traffic: [a\n",
     "t.yaml:8:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow "
     "sequence)\n"},
    {"dup node", BASE "  - name: a\n",
     "t.yaml:7:11: duplicate node name \"a\" (first at line 5)\n"},
    {"no node named", BASE "traffic:\n  - {kind: dm, from: c, to: b, rate: 1/s, count: 5}\n",
     "t.yaml:8:22: no node named \"c\"\n"},
    {"glob none", BASE "traffic:\n  - {kind: dm, from: a, to: \"x*\", rate: 1/s, count: 5}\n",
     "t.yaml:8:29: selector \"x*\" matches no node\n"},
    {"count fit",
     BASE "traffic:\n  - kind: dm\n    from: a\n    to: b\n    rate: 1/s\n    count: 100\n    "
	  "start: 5s\n",
     "t.yaml:12:12: traffic \"t1\": 100 messages need 100s at this rate, but only 55s remain "
     "between start 5s and duration 1m\n"},
    {"fault end", BASE "faults:\n  - at: 80s\n    for: 20s\n    freeze: {target: a}\n",
     "t.yaml:8:9: fault \"f1\" ends at 100s, after duration 1m + drain 30s\n"},
    /* sites: (parse_sites.c) */
    {"site unknown",
     BASE "sites: {home: [a]}\nfaults:\n  - {at: 1s, for: 1s, bandwidth: "
	  "{target: {site: hom}, rate: 1kbit}}\n",
     "t.yaml:9:43: no site named \"hom\" (sites: home)\n"},
    {"site without sites",
     BASE "faults:\n  - {at: 1s, for: 1s, netem: {target: {site: x}, "
	  "loss: 5%}}\n",
     "t.yaml:8:39: no site named \"x\" (the scenario has no sites:)\n"},
    {"node in two sites", BASE "sites:\n  home: [a]\n  office: [a, b]\n",
     "t.yaml:9:11: node \"a\" is in sites \"home\" and \"office\" (a node is behind one "
     "uplink)\n"},
    {"site on docker",
     "version: 1\nname: t\nruntime: docker\nduration: 1m\nnodes:\n  - name: "
     "a\n  - name: b\nsites:\n  home: [a, b]\n",
     "t.yaml:9:3: the docker runtime has no sites yet (a site's shared uplink needs runtime: "
     "netns)\n"},
    {"site unknown node", BASE "sites: {home: [a, c]}\n", "t.yaml:7:19: no node named \"c\"\n"},
    {"site pick", BASE "sites: {home: {pick: 1, from: all}}\n",
     "t.yaml:7:15: a site lists its nodes (names, globs, lists, all), not a pick\n"},
    {"site of a site", BASE "sites: {home: [a], far: [{site: home}]}\n",
     "t.yaml:7:26: a site lists nodes, not another site\n"},
    {"site name", BASE "sites: {Home: [a]}\n",
     "t.yaml:7:9: expected a site name of lowercase letters, digits and - (at most 16), got "
     "\"Home\"\n"},
    {"site twice", BASE "sites: {home: [a], home: [b]}\n",
     "t.yaml:7:20: site \"home\" defined twice\n"},
    {"sites not a map", BASE "sites: [a, b]\n",
     "t.yaml:7:8: expected a mapping of site names to nodes such as {office: [alice, bob]}, got "
     "a sequence\n"},
    {"site selector key",
     BASE "sites: {home: [a]}\nfaults:\n  - {at: 1s, for: 1s, freeze: "
	  "{target: {site: home, x: 1}}}\n",
     "t.yaml:9:53: unknown key \"x\" in a site selector (expected one of: site)\n"},
    {"partition rest twice",
     BASE "faults:\n  - at: 1s\n    for: 2s\n    partition:\n      groups: [rest, [a], rest]\n",
     "t.yaml:11:27: only one partition group may be rest (the nodes in no other group)\n"},
    {"partition rest empty",
     BASE "faults:\n  - at: 1s\n    for: 2s\n    partition:\n      groups: [[a], [b], rest]\n",
     "t.yaml:11:26: partition group rest is empty: the other groups hold every node\n"},
    {"partition too many sources",
     "version: 1\nname: t\nduration: 1m\nnodes:\n  - name: n{1..300}\nfaults:\n  - at: 1s\n"
     "    for: 2s\n    partition:\n      groups: [[n1, n2], rest]\n",
     "t.yaml:10:7: partition: a node would drop packets from 298 nodes, and the agent takes at "
     "most 256 sources per fault (cut one way: with direction: forward the second group drops "
     "what the first sends, so put the smaller group first)\n"},
    {"partition overlap",
     BASE "faults:\n  - at: 1s\n    for: 2s\n    partition:\n      groups: [[a, b], [b]]\n",
     "t.yaml:11:24: partition groups overlap: \"b\" is in group 1 and group 2\n"},
    {"light no service", BASE "  - name: c\n    role: light\n",
     "t.yaml:8:11: light node \"c\" has no service node to use (add a node with role: service)\n"},
    {"for on kill", BASE "faults:\n  - at: 1s\n    for: 2s\n    kill: {target: a}\n",
     "t.yaml:9:10: fault \"f1\": kill takes no \"for:\" (the node stays down until a restart)\n"},
    {"until on kill", BASE "faults:\n  - at: 1s\n    until: delivered\n    kill: {target: a}\n",
     "t.yaml:9:12: fault \"f1\": kill takes no \"until:\" (it is a moment, nothing to end "
     "early)\n"},
    {"until without for",
     BASE "faults:\n  - at: 1s\n    until: delivered\n    netem: {target: a, delay: 1s}\n",
     "t.yaml:9:12: fault \"f1\": \"until: delivered\" needs \"for:\" (the longest it may "
     "last)\n"},
    {"kill at boot", BASE "faults:\n  - {at: boot, kill: {target: a}}\n",
     "t.yaml:8:10: fault \"f1\": kill cannot be at: boot (only a fault that lasts is in force "
     "while the nodes connect)\n"},
    {"boot repeat",
     BASE "faults:\n  - at: boot\n    for: 1s\n    repeat: {every: 5s, times: 2}\n"
	  "    freeze: {target: a}\n",
     "t.yaml:10:13: fault \"f1\": at: boot takes no repeat (write a second fault for the "
     "later occurrences)\n"},
    {"at word", BASE "faults:\n  - {at: start, for: 1s, freeze: {target: a}}\n",
     "t.yaml:8:10: expected a duration such as 2s or the word boot, got \"start\"\n"},
    {"until unknown", BASE "faults:\n  - {at: 1s, for: 2s, until: quiet, freeze: {target: a}}\n",
     "t.yaml:8:30: expected one of: delivered, got \"quiet\"\n"},
    {"missing for", BASE "faults:\n  - at: 1s\n    freeze: {target: a}\n",
     "t.yaml:8:5: fault \"f1\": freeze needs \"for:\" (how long it lasts)\n"},
    {"percent", BASE "faults:\n  - at: 1s\n    for: 2s\n    netem: {target: a, loss: 120%}\n",
     "t.yaml:10:30: fraction \"120%\" must lie between 0% and 100%\n"},
    {"mesh degree >= n", BASE "topology: {kind: mesh, degree: 2}\n",
     "t.yaml:7:32: mesh degree 2 needs more than 2 nodes (there are 2)\n"},
    {"mesh odd",
     "version: 1\nname: t\nduration: 1m\nnodes:\n  - name: n{1..5}\ntopology: {kind: mesh, degree: "
     "3}\n",
     "t.yaml:6:32: mesh degree 3 with 5 nodes is impossible (degree × nodes must be even)\n"},
    {"dm self", BASE "traffic:\n  - {kind: dm, from: a, to: a, rate: 1/s, count: 5}\n",
     "t.yaml:8:29: traffic \"t1\": from and to are the same node \"a\" (a dm needs two parties)\n"},
    {"accept on dm",
     BASE "traffic:\n  - {kind: dm, from: a, to: b, rate: 1/s, count: 5, accept: true}\n",
     "t.yaml:8:61: traffic \"t1\": accept: true needs kind contact-request or join-request (a dm "
     "has no acceptance)\n"},
    {"accept on group",
     BASE "traffic:\n  - {kind: group, from: a, to: [a, b], rate: 1/s, count: 5, accept: true}\n",
     "t.yaml:8:69: traffic \"t1\": accept: true needs kind contact-request or join-request (a "
     "group has no acceptance)\n"},
    {"accept not bool",
     BASE "traffic:\n  - {kind: contact-request, from: a, to: b, rate: 1/s, count: 5, accept: "
	  "maybe}\n",
     "t.yaml:8:74: expected true or false, got \"maybe\"\n"},
    {"accept jswaku",
     "version: 1\nname: t\nduration: 1m\ndefaults: {image: jswaku}\nnodes:\n  - name: a\n"
     "  - name: b\ntraffic:\n  - {kind: contact-request, from: a, to: b, rate: 1/s, count: 5, "
     "accept: true}\n",
     "t.yaml:9:74: traffic \"t1\": accept: true needs labnode nodes; \"a\" runs driver jswaku\n"},
    {"after unknown",
     BASE "traffic:\n  - {name: hello, kind: dm, from: a, to: b, rate: 1/s, count: 1}\n"
	  "  - {name: chat, kind: dm, from: a, to: b, rate: 1/s, count: 5, after: helo, within: "
	  "40s}\n",
     "t.yaml:9:72: traffic \"chat\": after: no traffic named \"helo\" (did you mean "
     "\"hello\"?)\n"},
    {"after itself",
     BASE "traffic:\n  - {name: chat, kind: dm, from: a, to: b, rate: 1/s, count: 5, after: chat, "
	  "within: 40s}\n",
     "t.yaml:8:72: traffic \"chat\" cannot come after itself\n"},
    {"after cycle",
     BASE
     "traffic:\n  - {name: x, kind: dm, from: a, to: b, rate: 1/s, count: 1, after: y, within: "
     "5s}\n  - {name: y, kind: dm, from: a, to: b, rate: 1/s, count: 1, after: x, within: 5s}\n",
     "t.yaml:8:69: traffic \"x\": after \"y\" makes a cycle (each waits for the other)\n"},
    {"after without within",
     BASE "traffic:\n  - {name: x, kind: dm, from: a, to: b, rate: 1/s, count: 1}\n"
	  "  - {name: y, kind: dm, from: a, to: b, rate: 1/s, count: 1, after: x}\n",
     "t.yaml:9:69: after needs within (how long to wait for \"x\", e.g. within: 40s)\n"},
    {"within without after",
     BASE "traffic:\n  - {name: y, kind: dm, from: a, to: b, rate: 1/s, count: 1, within: 5s}\n",
     "t.yaml:8:70: within needs after (the traffic to wait for)\n"},
    {"within zero",
     BASE "traffic:\n  - {name: x, kind: dm, from: a, to: b, rate: 1/s, count: 1}\n"
	  "  - {name: y, kind: dm, from: a, to: b, rate: 1/s, count: 1, after: x, within: 0s}\n",
     "t.yaml:9:80: within must be at least 1ms\n"},
    {"after count does not fit",
     BASE "traffic:\n  - {name: x, kind: dm, from: a, to: b, rate: 1/s, count: 10}\n"
	  "  - {name: y, kind: dm, from: a, to: b, rate: 1/s, count: 20, after: x, within: 40s}\n",
     "t.yaml:9:59: traffic \"y\": 20 messages need 20s at this rate, but only 11s remain between "
     "start 0ms after its latest opening 49s and duration 1m\n"},
    {"after opens too late",
     BASE "traffic:\n  - {name: x, kind: dm, from: a, to: b, rate: 1/s, count: 30}\n"
	  "  - {name: y, kind: dm, from: a, to: b, rate: 1/s, count: 2, after: x, within: 40s}\n",
     "t.yaml:9:80: traffic \"y\" may open as late as 69s (\"x\"'s last send plus within), and "
     "start 0ms after that is not before the end of duration 1m\n"},
    {"store-query without of", SQ_BASE "  - {name: q, kind: store-query, from: b, to: s}\n",
     "t.yaml:10:5: traffic \"q\": a store-query needs of: (the traffic whose messages it asks "
     "the store for)\n"},
    {"store-query of unknown",
     SQ_BASE "  - {name: q, kind: store-query, from: b, to: s, of: chta}\n",
     "t.yaml:10:54: traffic \"q\": of: no traffic named \"chta\" (did you mean \"chat\"?)\n"},
    {"store-query of relay",
     SQ_BASE "  - {name: r, kind: relay, from: a, to: [b], rate: 1/s, count: 2}\n"
	     "  - {name: q, kind: store-query, from: b, to: s, of: r}\n",
     "t.yaml:11:54: traffic \"q\": of: \"r\" is a relay traffic, whose sends return no "
     "message hash to ask a store for (dm, contact-request, join-request and group do)\n"},
    {"store-query of itself", SQ_BASE "  - {name: q, kind: store-query, from: b, to: s, of: q}\n",
     "t.yaml:10:54: traffic \"q\": of: \"q\" is a store-query (it sends no messages to "
     "store)\n"},
    {"store-query to no store",
     SQ_BASE "  - {name: q, kind: store-query, from: b, to: a, of: chat}\n",
     "t.yaml:10:47: traffic \"q\": \"a\" is no store (a store-query asks nodes with role: "
     "service)\n"},
    {"of on dm", SQ_BASE "  - {name: d, kind: dm, from: b, to: a, rate: 1/s, count: 1, of: chat}\n",
     "t.yaml:10:66: traffic \"d\": of is for kind store-query (a dm asks no store)\n"},
    {"group small", BASE "traffic:\n  - {kind: group, from: a, to: [a], rate: 1/s, count: 5}\n",
     "t.yaml:8:32: traffic \"t1\": a group needs at least 2 members, to: selects 1\n"},
    {"two kinds",
     BASE "faults:\n  - at: 1s\n    for: 2s\n    freeze: {target: a}\n    kill: {target: a}\n",
     "t.yaml:11:11: a fault takes exactly one kind, got both freeze and kill\n"},
    {"kind typo", BASE "faults:\n  - at: 1s\n    for: 2s\n    partiton: {groups: [[a], [b]]}\n",
     "t.yaml:10:5: unknown key \"partiton\" in a fault (expected one of: name, at, for, repeat, "
     "until, "
     "netem, bandwidth, partition, link-down, freeze, suspend, kill, restart, connection-drop)\n"},
    {"alias", BASE "defaults: &d {image: labnode}\nexpect: *d\n",
     "t.yaml:7:11: anchors (&d) are not supported\n"},
    {"nodes scalar", "version: 1\nname: t\nduration: 1m\nnodes: a\n",
     "t.yaml:4:8: expected a list of nodes, got a scalar\n"},
    {"brace reversed", "version: 1\nname: t\nduration: 1m\nnodes:\n  - name: n{5..1}\n",
     "t.yaml:5:11: brace range in \"n{5..1}\" must count upward by at most 16000\n"},
    {"repeat overlap",
     BASE "faults:\n  - at: 1s\n    for: 5s\n    repeat: {every: 3s, times: 3}\n    freeze: "
	  "{target: a}\n",
     "t.yaml:10:13: fault \"f1\": repeat every 3s is shorter than for 5s (occurrences would "
     "overlap)\n"},
    {"pick too many",
     BASE "faults:\n  - at: 1s\n    for: 2s\n    freeze: {target: {pick: 3, from: all}}\n",
     "t.yaml:10:22: cannot pick 3 nodes from a selector that matches 2\n"},
    {"where fault", BASE "expect:\n  - metric: recovery\n    where: {fault: cutt}\n    max: 10s\n",
     "t.yaml:8:5: recovery is measured after faults, and there are none\nt.yaml:9:20: no fault "
     "named \"cutt\"\n"},
    {"max below min", BASE "expect:\n  - {metric: delivery, min: 90%, max: 80%}\n",
     "t.yaml:8:39: max is below min, nothing can pass\n"},
    {"rate and interval",
     BASE "traffic:\n  - {kind: dm, from: a, to: b, rate: 1/s, interval: 1s, count: 5}\n",
     "t.yaml:8:53: give either rate or interval, not both\n"},
    {"size reversed",
     BASE "traffic:\n  - {kind: dm, from: a, to: b, rate: 1/s, count: 5, size: 2KiB..200B}\n",
     "t.yaml:8:59: size \"2KiB..200B\" must lie between 16B and 1MiB, smallest first\n"},
    {"unknown image", BASE "  - name: c\n    image: nwaku\n",
     "t.yaml:8:12: unknown image \"nwaku\" (expected labnode or jswaku or a key of images)\n"},
    {"netem nothing",
     BASE "faults:\n  - at: 1s\n    for: 2s\n    netem: {target: a, direction: both}\n",
     "t.yaml:10:12: netem changes nothing: give at least one of delay, loss, duplicate, "
     "reorder, corrupt above zero\n"},
    {"where node on delivery", BASE "expect:\n  - {metric: delivery, where: {node: a}, min: 1}\n",
     "t.yaml:8:38: where.node applies to the per-node metrics (cpu, rss, bytes), not to "
     "delivery\n"},
    {"where node unknown", BASE "expect:\n  - {metric: rss, where: {node: c}, max: 2MiB}\n",
     "t.yaml:8:33: no node named \"c\"\n"},
    {"metric typo", BASE "expect:\n  - {metric: delivered, min: 1}\n",
     "t.yaml:8:14: expected one of: delivery, lost, duplicates, latency.p50, latency.p90, "
     "latency.p95, latency.p99, latency.max, recovery, reordered, acked, accepted, stored, "
     "created, "
     "telemetry-drift, cpu, "
     "rss, bytes, got "
     "\"delivered\"\n"},
    {"wrong type count", BASE "traffic:\n  - {kind: dm, from: a, to: b, rate: 1/s, count: many}\n",
     "t.yaml:8:50: expected an integer from 1 to 10000000, got \"many\"\n"},
    {"empty", "",
     "t.yaml:1:1: empty scenario (expected a mapping with version, name, duration, nodes)\n"},
    {"many errors",
     "version: 1\nname: T\nduration: 5\ndrain: x\nnodes:\n  - name: a\n    role: boss\n  - nam: "
     "b\ntopology: {kind: tree}\n",
     "t.yaml:2:7: expected a name of lowercase letters, digits and - (at most 64), got "
     "\"T\"\nt.yaml:3:11: expected a duration such as 250ms, 2s, 1.5s, 3m or 1h, got \"5\" (a bare "
     "number has no unit)\nt.yaml:4:8: expected a duration such as 250ms, 2s, 1.5s, 3m or 1h, got "
     "\"x\"\nt.yaml:7:11: expected one of: relay, service, light, got \"boss\"\nt.yaml:8:5: "
     "unknown key \"nam\" in a node (expected one of: name, role, image, reliability, "
     "args)\nt.yaml:8:5: missing key \"name\" in a node\nt.yaml:9:18: expected one of: full, mesh, "
     "ring, star, line, none, got \"tree\"\n"},
    {"two docs", BASE "---\nversion: 1\n", "t.yaml:7:1: only one YAML document is allowed\n"},
    {"seed neg", BASE "seed: -1\n",
     "t.yaml:7:7: expected an integer from 0 to 9007199254740991, got \"-1\"\n"},
    {"unknown netem key",
     BASE "faults:\n  - at: 1s\n    for: 2s\n    netem: {target: a, dealy: 1s}\n",
     "t.yaml:10:24: unknown key \"dealy\" in netem (expected one of: target, delay, jitter, "
     "distribution, correlation, loss, duplicate, reorder, corrupt, direction)\n"},
    {"mesh no degree", BASE "topology: {kind: mesh}\n",
     "t.yaml:7:11: missing key \"degree\" in topology (mesh needs one)\n"},
    {"link unknown", BASE "topology: {kind: none, links: [[a, z]]}\n",
     "t.yaml:7:36: no node named \"z\"\n"},
    {"start past", BASE "traffic:\n  - {kind: dm, from: a, to: b, rate: 1/s, start: 2m}\n",
     "t.yaml:8:50: traffic \"t1\": start 2m is not before the end of duration 1m\n"},
    /* issue 15 finding 6: the limits the agent applies (common/limits_faults.h), at the value */
    {"delay limit", BASE "faults:\n  - {at: 1s, for: 1s, netem: {target: b, delay: 999999999h}}\n",
     "t.yaml:8:49: delay 999999999h is above the limit of 1h\n"},
    {"jitter limit",
     BASE "faults:\n  - {at: 1s, for: 1s, netem: {target: b, delay: 1s, jitter: 2h}}\n",
     "t.yaml:8:61: jitter 2h is above the limit of 1h\n"},
    {"wake limit",
     BASE "faults:\n  - {at: 1s, for: 1s, suspend: {target: b, wake-network-after: 99h}}\n",
     "t.yaml:8:64: wake-network-after 99h is above the limit of 10m\n"},
    {"rate limit", BASE "faults:\n  - {at: 1s, for: 1s, bandwidth: {target: b, rate: 100gbit}}\n",
     "t.yaml:8:52: rate 100 Gbit/s is above the limit of 17.2 Gbit/s\n"},
    {"repeat times",
     BASE "faults:\n  - {at: 1s, for: 1ms, repeat: {every: 1ms, times: 10001}, "
	  "netem: {target: b, loss: 1%}}\n",
     "t.yaml:8:52: expected an integer from 1 to 10000, got \"10001\"\n"},
    /* issue 15 finding 2: node args cannot redirect what faultlab puts in the data dir */
    {"args events", BASE "  - {name: c, args: [\"--keepalive=5s\", \"--events\", /etc/x]}\n",
     "t.yaml:7:40: args: --events is filled in by faultlab (a file of the node's data dir); a "
     "scenario may not set it\n"},
    {"args db=", BASE "defaults: {args: [--db=/tmp/x.db]}\n",
     "t.yaml:7:19: args: --db is filled in by faultlab (a file of the node's data dir); a "
     "scenario may not set it\n"},
    /* issue 15 finding 9: one error per place, not per node; bad bytes where they are */
    {"image once",
     "version: 1\nname: t\nduration: 1m\ndefaults: {image: nosuch}\nnodes:\n"
     "  - name: n{1..4}\n",
     "t.yaml:4:19: unknown image \"nosuch\" (expected labnode or jswaku or a key of images)\n"},
    /* issue 10: reliability layers and roles per driver, links only between nodes of one wire */
    {"sds on labnode", BASE "  - {name: c, reliability: [sds]}\n",
     "t.yaml:7:28: reliability \"sds\" does not apply to node \"c\" (labnode takes mvds, "
     "store-recovery or sent-check)\n"},
    {"mvds on jswaku", BASE "  - {name: c, image: jswaku, reliability: [mvds]}\n",
     "t.yaml:7:43: reliability \"mvds\" does not apply to node \"c\" (jswaku takes sds)\n"},
    {"jswaku service", BASE "  - {name: c, image: jswaku, role: service}\n",
     "t.yaml:7:36: node \"c\" cannot have role service (jswaku nodes take relay)\n"},
    {"labnode jswaku link",
     BASE "  - {name: c, image: jswaku}\n  - {name: d, image: jswaku}\n"
	  "topology: {kind: none, links: [[c, d], [b, c]]}\n",
     "t.yaml:9:41: link [b, c]: labnode and jswaku nodes cannot speak to each other (labnode "
     "wire vs waku)\n"},
    {"mixed line", BASE "  - {name: c, image: jswaku}\ntopology: {kind: line}\n",
     "t.yaml:8:11: a line topology links nodes that cannot speak to each other: \"a\" "
     "(labnode) and \"c\" (jswaku) (use kind: none and links within each)\n"},
    {"conndrop mode",
     BASE "faults:\n  - {at: 1s, for: 1s, connection-drop: {target: b, mode: drop}}\n",
     "t.yaml:8:58: expected one of: blackhole, reset, got \"drop\"\n"},
    {"conndrop ports",
     BASE "faults:\n  - {at: 1s, for: 1s, connection-drop: {target: b, ports: [0]}}\n",
     "t.yaml:8:60: expected an integer from 1 to 65535, got \"0\"\n"},
    {"bad utf-8", BASE "  - name: c\xff\n",
     "t.yaml:7:12: invalid YAML: invalid leading UTF-8 octet (byte 0xff)\n"},
};

START_TEST(test_broken)
{
	const struct broken_case *bc = &broken_cases[_i];
	struct scenario_errors errs;
	struct scenario sc;
	char all[8192] = "", line[1024];
	size_t used = 0;

	ck_assert_msg(scenario_load_buffer("t.yaml", bc->yaml, strlen(bc->yaml), &sc, &errs) == -1,
		      "%s: accepted", bc->name);
	for (size_t i = 0; i < errs.n; i++) {
		scenario_errors_format(&errs, i, line, sizeof(line));
		used += snprintf(all + used, sizeof(all) - used, "%s\n", line);
	}
	ck_assert_msg(strcmp(all, bc->errors) == 0, "%s:\nexpected:\n%sgot:\n%s", bc->name,
		      bc->errors, all);
	ck_assert_ptr_null(sc.nodes); /* nothing is left to free on failure */
}
END_TEST

/* The error cap: a file with more than SCENARIO_MAX_ERRORS problems keeps the first ones
 * and counts the rest. */
START_TEST(test_error_cap)
{
	char yaml[8192];
	size_t used = snprintf(yaml, sizeof(yaml), "version: 1\nname: t\nduration: 1m\nnodes:\n");
	struct scenario_errors errs;
	struct scenario sc;

	for (int i = 0; i < 30; i++)
		used +=
		    snprintf(yaml + used, sizeof(yaml) - used, "  - {name: n%d, role: boss}\n", i);
	ck_assert_int_eq(scenario_load_buffer("t.yaml", yaml, used, &sc, &errs), -1);
	ck_assert_uint_eq(errs.n, SCENARIO_MAX_ERRORS);
	ck_assert_uint_eq(errs.dropped, 10);
	ck_assert_str_eq(errs.e[0].msg, "expected one of: relay, service, light, got \"boss\"");
	ck_assert_int_eq(errs.e[0].at.line, 5);
}
END_TEST

/* A NUL byte is reported where it is (libyaml gives only its offset), not at 1:1. */
START_TEST(test_nul_position)
{
	static const char yaml[] =
	    "version: 1\nname: t\nduration: 1m\nnodes:\n  - name: \xc3\xa9\0b\n";
	struct scenario_errors errs;
	struct scenario sc;
	char line[1024];

	ck_assert_int_eq(scenario_load_buffer("t.yaml", yaml, sizeof(yaml) - 1, &sc, &errs), -1);
	scenario_errors_format(&errs, 0, line, sizeof(line));
	ck_assert_str_eq(
	    line, "t.yaml:5:12: invalid YAML: control characters are not allowed (byte 0x00)");
}
END_TEST

/* The cap on planned fault occurrences: 11 faults repeated 10 000 times each. */
START_TEST(test_fault_total_cap)
{
	char yaml[8192];
	struct scenario_errors errs;
	struct scenario sc;
	char line[1024];
	size_t used = snprintf(yaml, sizeof(yaml),
			       "version: 1\nname: t\nduration: 10h\nnodes:\n  - name: "
			       "a\n  - name: b\nfaults:\n");
	for (int i = 0; i < 11; i++)
		used += snprintf(
		    yaml + used, sizeof(yaml) - used,
		    "  - {name: f%d, at: 0s, for: 1ms, repeat: {every: 1ms, times: 10000}, "
		    "netem: {target: b, loss: 1%%}}\n",
		    i);
	ck_assert_int_eq(scenario_load_buffer("t.yaml", yaml, used, &sc, &errs), -1);
	ck_assert_uint_eq(errs.n, 1);
	scenario_errors_format(&errs, 0, line, sizeof(line));
	ck_assert_str_eq(line, "t.yaml:18:43: fault \"f10\" brings the planned fault occurrences "
			       "to 110000, above the limit of 100000 for one scenario");
}
END_TEST

START_TEST(test_missing_file)
{
	struct scenario_errors errs;
	struct scenario sc;
	char line[1024];

	ck_assert_int_eq(scenario_load("/nonexistent/x.yaml", &sc, &errs), -1);
	scenario_errors_format(&errs, 0, line, sizeof(line));
	ck_assert_str_eq(line, "/nonexistent/x.yaml: cannot open: No such file or directory");
	ck_assert_int_eq(scenario_load("tests", &sc, &errs), -1);
	scenario_errors_format(&errs, 0, line, sizeof(line));
	ck_assert_str_eq(line, "tests: cannot read: Is a directory");
}
END_TEST

Suite *scenario_errors_suite(void)
{
	Suite *s = suite_create("scenario_errors");
	TCase *tc = tcase_create("broken");

	tcase_add_loop_test(tc, test_broken, 0,
			    (int)(sizeof(broken_cases) / sizeof(broken_cases[0])));
	tcase_add_test(tc, test_error_cap);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_nul_position);
	tcase_add_test(tc, test_fault_total_cap);
	suite_add_tcase(s, tc);
	return s;
}
