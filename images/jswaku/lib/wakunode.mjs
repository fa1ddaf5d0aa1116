// The js-waku relay node: @waku/sdk's createRelayNode over @libp2p/tcp, plus what labnode's
// control surfaces need — REST message caches, static peers redialled with back-off, the
// relay mesh size per topic sampled and traced, nwaku-form traces of each relay message.
import crypto from "node:crypto";
import fs from "node:fs";
import { createRelayNode } from "@waku/sdk/relay";
import { tcp } from "@libp2p/tcp";
import { supportedKeys } from "@libp2p/crypto/keys";
import { createFromPrivKey } from "@libp2p/peer-id-factory";
import { multiaddr } from "@multiformats/multiaddr";
import { WakuMessage } from "@waku/proto";
import { messageHash } from "@waku/message-hash";
import { monoMs, realNs } from "./out.mjs";

export const RELAY_CODEC = "/vac/waku/relay/2.0.0";
const CACHE_MAX = 1000;

export function hex(bytes) {
	return "0x" + Buffer.from(bytes).toString("hex");
}

// The seed in --identity-file (decimal digits, as labnode's --identity-file; the run writes
// it 0600 so that the secret stays off command lines); throws when the file holds no seed.
export function seedFromFile(path) {
	const text = fs.readFileSync(path, "utf8").trim();
	if (!/^\d{1,20}$/.test(text)) throw new Error(`--identity-file ${path}: expected a decimal seed`);
	return text;
}

// 32-byte secp256k1 private key: --key, else sha256 of the seed (--identity-seed or
// --identity-file), else random.
function privateKeyBytes(cfg) {
	if (cfg.key) return Buffer.from(cfg.key, "hex");
	if (cfg.identityFile !== null && cfg.identitySeed === null) cfg.identitySeed = seedFromFile(cfg.identityFile);
	if (cfg.identitySeed !== null)
		return crypto.createHash("sha256").update(`faultlab-jswaku-identity:${cfg.identitySeed}`).digest();
	return crypto.randomBytes(32);
}

// The 14/WAKU2-MESSAGE hash (deterministic hashing) as @waku/message-hash computes it.
export function wakuHash(pubsubTopic, m) {
	return hex(messageHash(pubsubTopic, m));
}

// A message object from nwaku's REST shape; throws a 400-worthy Error on bad fields.
export function messageFromRest(j) {
	if (typeof j !== "object" || j === null || Array.isArray(j)) throw new Error("message is not a JSON object");
	if (typeof j.contentTopic !== "string" || !j.contentTopic) throw new Error("missing contentTopic");
	if (typeof j.payload !== "string") throw new Error("missing payload");
	const b64 = /^[A-Za-z0-9+/]*={0,2}$/;
	if (!b64.test(j.payload)) throw new Error("payload is not base64");
	if (j.meta !== undefined && (typeof j.meta !== "string" || !b64.test(j.meta))) throw new Error("meta is not base64");
	if (j.version !== undefined && !(Number.isInteger(j.version) && j.version >= 0 && j.version < 2 ** 32))
		throw new Error("version is not an unsigned integer");
	const t = j.timestamp;
	if (t !== undefined && !(typeof t === "string" ? /^\d{1,19}$/.test(t) : Number.isSafeInteger(t) && t >= 0))
		throw new Error("timestamp is not a non-negative integer (ns)");
	const ts = t !== undefined && BigInt(t) > 0n ? BigInt(t) : realNs();
	if (ts >= 2n ** 63n) throw new Error("timestamp is past int64");
	const m = {
		payload: new Uint8Array(Buffer.from(j.payload, "base64")),
		contentTopic: j.contentTopic,
		version: j.version ?? 0,
		timestamp: ts,
		ephemeral: j.ephemeral === true,
	};
	if (j.meta) m.meta = new Uint8Array(Buffer.from(j.meta, "base64"));
	return m;
}

export function messageToRest(m) {
	const o = {
		payload: Buffer.from(m.payload ?? []).toString("base64"),
		contentTopic: m.contentTopic,
		version: m.version ?? 0,
		timestamp: String(m.timestamp ?? 0n), // digits; the REST layer prints them unquoted
	};
	if (m.meta && m.meta.length) o.meta = Buffer.from(m.meta).toString("base64");
	if (m.ephemeral) o.ephemeral = true;
	return o;
}

// An @waku/interfaces IEncoder over an already built proto message, so relay.send keeps the
// exact timestamp (ns) the REST caller gave: js-waku's own encoders take a Date (ms).
function rawEncoder(pubsubTopic, m) {
	return {
		pubsubTopic,
		contentTopic: m.contentTopic,
		ephemeral: m.ephemeral,
		toWire: async () => WakuMessage.encode(m),
		toProtoObj: async () => m,
	};
}

export class JsWakuNode {
	constructor(cfg, out) {
		this.cfg = cfg;
		this.out = out;
		this.pubsubSubs = new Map(); // pubsub topic → cached messages
		this.contentSubs = new Map(); // content topic → cached messages
		this.statics = new Map(); // dial string → {ma, attempt, timer, peerId}
		this.mesh = new Map(); // topic → last mesh/subscribers/connected traced
		this.handlers = []; // (pubsubTopic, msg, hash, fromPeerId) callbacks (dm layer)
		this.started = false;
	}

	async start() {
		const priv = privateKeyBytes(this.cfg);
		this.privKey = priv;
		const key = await supportedKeys.secp256k1.unmarshalSecp256k1PrivateKey(priv);
		const peerId = await createFromPrivKey(key);
		const ecdh = crypto.createECDH("secp256k1");
		ecdh.setPrivateKey(priv);
		this.publicKey = hex(ecdh.getPublicKey());
		// js-waku 0.0.27 derives its topics from static sharding only (/waku/2/rs/C/S);
		// another topic (labnode's default /waku/2/default-waku/proto) is added to its relay
		// below, on cluster 0 shard 0 for the metadata protocol.
		const rs = /^\/waku\/2\/rs\/(\d+)\/(\d+)$/.exec(this.cfg.pubsubTopic);
		const { host, port } = this.cfg.listen;
		this.waku = await createRelayNode({
			networkConfig: { clusterId: rs ? Number(rs[1]) : 0, shards: [rs ? Number(rs[2]) : 0] },
			libp2p: {
				peerId,
				addresses: { listen: [`/ip4/${host}/tcp/${port}`] },
				// the sdk's defaults are websockets filtered to wss only; labs speak TCP
				transports: [tcp()],
				filterMultiaddrs: false,
				hideWebSocketInfo: true,
			},
		});
		await this.waku.start();
		if (!rs) {
			// Relay's own members (@waku/relay 0.0.14 dist/index.js): the topic set send()
			// checks, and the subscribe that installs its validator and message listener.
			this.waku.relay.pubsubTopics.add(this.cfg.pubsubTopic);
			this.waku.relay.gossipSubSubscribe(this.cfg.pubsubTopic);
		}
		this.libp2p = this.waku.libp2p;
		this.gossip = this.libp2p.services.pubsub;
		this.peerId = this.libp2p.peerId.toString();
		this.gossip.addEventListener("gossipsub:message", (e) => this.onGossip(e.detail));
		this.libp2p.addEventListener("peer:connect", (e) => this.onPeer(e.detail, true));
		this.libp2p.addEventListener("peer:disconnect", (e) => this.onPeer(e.detail, false));
		this.libp2p.addEventListener("connection:open", (e) => this.onConn(e.detail, "open"));
		this.libp2p.addEventListener("connection:close", (e) => this.onConn(e.detail, "close"));
		for (const p of this.cfg.peers) this.scheduleDial(this.addStatic(p), 0);
		this.meshTimer = setInterval(() => this.sampleMesh(), this.cfg.meshPollMs);
		if (this.cfg.keepaliveMs > 0) this.keepaliveTimer = setInterval(() => this.keepalive(), this.cfg.keepaliveMs);
		this.started = true;
	}

	async stop() {
		clearInterval(this.meshTimer);
		clearInterval(this.keepaliveTimer);
		for (const s of this.statics.values()) clearTimeout(s.timer);
		this.started = false;
		await this.waku.stop();
	}

	relays(topic) {
		return this.waku.relay.pubsubTopics.has(topic);
	}

	// The configured listen address first (wildcard kept: drivers substitute the node's
	// address), then what libp2p reports it listens on.
	listenAddresses() {
		const { host, port } = this.cfg.listen;
		const first = `/ip4/${host}/tcp/${port}/p2p/${this.peerId}`;
		const rest = this.libp2p.getMultiaddrs().map((a) => a.toString()).filter((a) => a !== first);
		return [first, ...rest];
	}

	onConn(conn, what) {
		this.out.warn(
			`connection ${what} ${conn.remotePeer.toString()} ${conn.remoteAddr.toString()} ` +
				`dir=${conn.direction} id=${conn.id}`
		);
	}

	onPeer(peerId, up) {
		const id = peerId.toString();
		this.out.warn(`peer ${id} ${up ? "connected" : "lost"} t_ms=${Math.round(monoMs())}`);
		if (up) for (const h of this.connectHooks ?? []) h(id);
		for (const s of this.statics.values()) {
			if (s.peerId !== id) continue;
			if (up) s.attempt = 0;
			else this.scheduleDial(s, 0);
		}
	}

	// --- static peers: dialled until connected, again with back-off whenever lost ---

	toMultiaddr(p) {
		const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(p);
		return multiaddr(m ? `/ip4/${m[1]}/tcp/${m[2]}` : p);
	}

	addStatic(p) {
		const ma = this.toMultiaddr(p); // throws on a bad multiaddr
		const key = ma.toString();
		let s = this.statics.get(key);
		if (!s) {
			s = { ma, attempt: 0, timer: null, peerId: ma.getPeerId() };
			this.statics.set(key, s);
		}
		return s;
	}

	scheduleDial(s, delayMs) {
		clearTimeout(s.timer);
		s.timer = setTimeout(() => this.dialStatic(s).catch(() => {}), delayMs);
	}

	async dialStatic(s, fresh = false) {
		if (!this.started) return false;
		if (!fresh && s.peerId && this.libp2p.getConnections().some((c) => c.remotePeer.toString() === s.peerId))
			return true;
		try {
			const conn = await this.libp2p.dial(s.ma, { signal: AbortSignal.timeout(5000), force: fresh });
			s.peerId = conn.remotePeer.toString();
			s.attempt = 0;
			return true;
		} catch (e) {
			s.attempt++;
			const base = this.cfg.backoffBaseMs * 2 ** Math.min(s.attempt - 1, 20);
			const wait = Math.min(base, this.cfg.backoffMaxMs) * (0.8 + 0.4 * Math.random());
			if (process.env.JSWAKU_DEBUG) this.out.warn(`dial ${s.ma} failed: ${e.message}`);
			this.scheduleDial(s, wait);
			return false;
		}
	}

	// --- keepalive (--keepalive): what a client whose connection went silent does ---
	// Each connected static peer is pinged (libp2p ping, on an existing connection); when the
	// ping fails the peer is dialled again on a NEW connection (libp2p's force) while the old
	// one is still open: a mobile client after a Wi-Fi roam or a NAT mapping expiry.

	keepalive() {
		for (const s of this.statics.values()) {
			if (!s.peerId || s.pinging) continue;
			const conns = this.libp2p.getConnections().filter((c) => c.remotePeer.toString() === s.peerId);
			if (!conns.length) continue;
			s.pinging = true;
			this.libp2p.services.ping
				.ping(conns[0].remotePeer, { signal: AbortSignal.timeout(this.cfg.keepaliveTimeoutMs) })
				.catch((e) => {
					this.out.warn(`keepalive: ping ${s.peerId} failed (${e.message}): dialling it on a new connection`);
					return this.dialStatic(s, true);
				})
				.catch(() => {})
				.finally(() => {
					s.pinging = false;
				});
		}
	}

	// --- relay mesh: sampled, traced on change (the "why delivery stopped" of a report) ---

	meshPeers(topic) {
		return this.gossip.getMeshPeers(topic);
	}

	sampleMesh() {
		for (const topic of this.gossip.getTopics()) {
			const peers = this.gossip.getMeshPeers(topic);
			const subscribers = this.gossip.getSubscribers(topic).length;
			const connected = this.libp2p.getPeers().length;
			// a change of any of the three: "connected but not in the mesh" must show
			const state = `${peers.length}/${subscribers}/${connected}`;
			if (this.mesh.get(topic) === state) continue;
			this.mesh.set(topic, state);
			this.out.trace("relay mesh changed", {
				my_peer_id: this.peerId,
				topic,
				meshPeers: peers.length,
				subscribers,
				connectedPeers: connected,
				peers: `"${peers.join(",")}"`,
			});
			this.out.meshEvent(topic, peers.length, subscribers, connected);
		}
	}

	// --- receiving ---

	onGossip({ propagationSource, msg }) {
		let m;
		try {
			m = WakuMessage.decode(msg.data);
		} catch {
			return;
		}
		const hash = wakuHash(msg.topic, m);
		this.out.trace("received relay message", {
			my_peer_id: this.peerId,
			msg_hash: hash,
			from_peer_id: propagationSource.toString(),
			topic: msg.topic,
			receivedTime: realNs().toString(),
			payloadSizeBytes: m.payload?.length ?? 0,
		});
		this.deliverLocal(msg.topic, m, hash, propagationSource.toString());
	}

	deliverLocal(pubsubTopic, m, hash, from) {
		const push = (arr) => {
			arr.push(m);
			if (arr.length > CACHE_MAX) arr.shift();
		};
		if (this.pubsubSubs.has(pubsubTopic)) push(this.pubsubSubs.get(pubsubTopic));
		if (pubsubTopic === this.cfg.pubsubTopic && this.contentSubs.has(m.contentTopic))
			push(this.contentSubs.get(m.contentTopic));
		for (const h of this.handlers) h(pubsubTopic, m, hash, from);
	}

	// --- publishing: js-waku's relay.send; throws Error("PublishError.…") as gossipsub does ---

	async publish(pubsubTopic, m) {
		const hash = wakuHash(pubsubTopic, m);
		const res = await this.waku.relay.send(rawEncoder(pubsubTopic, m), m);
		if (res.failures?.length) throw new Error(String(res.failures[0].error));
		for (const p of res.successes)
			this.out.trace("sent relay message", {
				my_peer_id: this.peerId,
				msg_hash: hash,
				to_peer_id: p.toString(),
				topic: pubsubTopic,
				sentTime: realNs().toString(),
			});
		this.deliverLocal(pubsubTopic, m, hash, null);
		return { hash, recipients: res.successes.length };
	}
}
