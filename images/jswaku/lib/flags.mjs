// Command line of the jswaku node: labnode's flag names where they mean the same
// (images/labnode/README.md), parsed into one plain config object.

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60000, h: 3600000 };

export function parseDuration(flag, v) {
	const m = DURATION.exec(v);
	if (!m) throw new UsageError(`${flag}: bad duration "${v}" (e.g. 250ms, 2s, 3m, 1h)`);
	return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
}

export class UsageError extends Error {}

function hostPort(flag, v) {
	const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v);
	if (!m || Number(m[2]) > 65535) throw new UsageError(`${flag}: expected IPv4:PORT, got "${v}"`);
	return { host: m[1], port: Number(m[2]) };
}

function count(flag, v) {
	if (!/^\d+$/.test(v)) throw new UsageError(`${flag}: expected a non-negative integer, got "${v}"`);
	return Number(v);
}

const RELIABILITY = new Set(["sds"]);

function reliability(flag, v) {
	if (v === "" || v === "none") return [];
	const list = v.split(",").map((s) => s.trim()).filter(Boolean);
	for (const r of list)
		if (!RELIABILITY.has(r))
			throw new UsageError(`${flag}: unknown layer "${r}" (jswaku knows: sds)`);
	return list;
}

function pubsubTopic(flag, v) {
	if (!/^\/waku\/2\/[^\s/][^\s]*$/.test(v))
		throw new UsageError(`${flag}: "${v}" is not a Waku pubsub topic (/waku/2/…)`);
	return v;
}

// flag → [config key, parser, repeatable]
const TABLE = {
	"--name": ["name", (f, v) => v],
	"--role": ["role", (f, v) => {
		if (v !== "relay") throw new UsageError(`${f}: jswaku has only the relay role, got "${v}"`);
		return v;
	}],
	"--listen": ["listen", hostPort],
	"--rest": ["rest", (f, v) => (v === "off" ? null : hostPort(f, v))],
	"--peer": ["peers", (f, v) => v, true],
	"--events": ["events", (f, v) => v],
	"--identity-seed": ["identitySeed", count],
	"--identity-file": ["identityFile", (f, v) => v],
	"--key": ["key", (f, v) => {
		if (!/^(0x)?[0-9a-fA-F]{64}$/.test(v)) throw new UsageError(`${f}: expected 64 hex digits`);
		return v.replace(/^0x/, "").toLowerCase();
	}],
	"--reliability": ["reliability", reliability],
	"--pubsub-topic": ["pubsubTopic", pubsubTopic],
	"--traces": ["traces", (f, v) => {
		if (v !== "on" && v !== "off") throw new UsageError(`${f}: on or off, got "${v}"`);
		return v === "on";
	}],
	"--sds-max-retries": ["sdsMaxRetries", count],
	"--sds-base": ["sdsBaseMs", parseDuration],
	"--sds-max": ["sdsMaxMs", parseDuration],
	"--sds-dedup": ["sdsDedup", (f, v) => {
		if (v !== "on" && v !== "off") throw new UsageError(`${f}: on or off, got "${v}"`);
		return v === "on";
	}],
	"--backoff-base": ["backoffBaseMs", parseDuration],
	"--backoff-max": ["backoffMaxMs", parseDuration],
	"--mesh-poll": ["meshPollMs", parseDuration],
	"--keepalive": ["keepaliveMs", (f, v) => (v === "off" || v === "0" ? 0 : parseDuration(f, v))],
	"--keepalive-timeout": ["keepaliveTimeoutMs", parseDuration],
};

export function defaults() {
	return {
		name: "jswaku",
		role: "relay",
		listen: { host: "0.0.0.0", port: 60000 },
		rest: { host: "0.0.0.0", port: 8645 },
		peers: [],
		events: null,
		identitySeed: null,
		identityFile: null,
		key: null,
		reliability: [],
		pubsubTopic: "/waku/2/default-waku/proto",
		traces: true,
		sdsMaxRetries: 8,
		sdsBaseMs: 5000,
		sdsMaxMs: 60000,
		sdsDedup: true,
		backoffBaseMs: 1000,
		backoffMaxMs: 60000,
		meshPollMs: 500,
		keepaliveMs: 0,
		keepaliveTimeoutMs: 3000,
	};
}

export function parseArgs(argv) {
	const cfg = defaults();
	for (let i = 0; i < argv.length; i++) {
		let a = argv[i], v;
		if (a === "--help" || a === "--version") return { [a.slice(2)]: true };
		const eq = a.indexOf("=");
		if (a.startsWith("--") && eq > 0) {
			v = a.slice(eq + 1);
			a = a.slice(0, eq);
		}
		const ent = TABLE[a];
		if (!ent) throw new UsageError(`unknown option "${a}" (see --help)`);
		if (v === undefined) {
			if (i + 1 >= argv.length) throw new UsageError(`${a}: missing value`);
			v = argv[++i];
		}
		const [key, parse, many] = ent;
		const val = parse(a, v);
		if (many) cfg[key].push(val);
		else cfg[key] = val;
	}
	return cfg;
}

export const HELP = `usage: jswaku [options]   (node images/jswaku/jswaku.mjs …)
  --name NAME              name in logs (jswaku)
  --role relay             the only role
  --listen ADDR:PORT       libp2p TCP listen address (0.0.0.0:60000)
  --rest ADDR:PORT|off     REST + JSON-RPC (0.0.0.0:8645)
  --peer ADDR:PORT|MADDR   static peer, repeatable; redialled with back-off while unconnected
  --events FILE            CLI results, one JSON object per line (reports/FORMATS.md)
  --identity-seed N        deterministic secp256k1 node key from N
  --identity-file FILE     the same seed N, read from FILE (decimal; off the command line)
  --key HEX                the node's 32-byte private key (wins over the seed)
  --reliability LIST       "" / none, or sds (Scalable Data Sync for direct messages)
  --pubsub-topic T         pubsub topic of the auto endpoints and direct messages
                           (/waku/2/default-waku/proto)
  --traces on|off          fleet trace lines on stdout (on)
  --sds-max-retries N      SDS resends before a failed event (8)
  --sds-base DUR           SDS: resend n waits base*2^(n-1), jittered (5s)
  --sds-max DUR            cap of the SDS wait (60s)
  --sds-dedup on|off       hand a message SDS delivers again to the app once (on)
  --backoff-base DUR       first static-peer redial delay (1s)
  --backoff-max DUR        cap of the redial delay (60s)
  --mesh-poll DUR          how often the relay mesh size is sampled (500ms)
  --keepalive DUR|off      ping each connected static peer every DUR; after a failed ping
                           dial it again on a new connection (off)
  --keepalive-timeout DUR  how long a keepalive ping may take (3s)
`;
