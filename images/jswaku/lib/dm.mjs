// Direct messages, labnode's JSON-RPC subset (images/labnode/README.md "JSON-RPC"): a message
// to key K is a Waku message on K's content topic. Without reliability the payload is a JSON
// envelope published once on relay; with `sds` it is a Scalable Data Sync message of the
// @waku/sds MessageChannel of the pair (causal history, acknowledgement through the peer's
// later messages and syncs, resends of what stays unacknowledged). Events as labnode's mvds.
import crypto from "node:crypto";
import { MessageChannel, MessageChannelEvent, Message } from "@waku/sds";
import { realNs } from "./out.mjs";

const KINDS = {
	wakuext_sendOneToOneMessage: "dm",
	wakuext_sendContactRequest: "contact-request",
	wakuext_requestToJoinCommunity: "join-request",
	wakuext_sendGroupChatMessage: "group",
};
const KEY = /^0x04[0-9a-f]{128}$/;

export function dmTopic(key) {
	const h = crypto.createHash("sha256").update(key).digest("hex");
	return `/jswaku/1/dm-${h.slice(0, 16)}/proto`;
}

class RpcError extends Error {
	constructor(code, msg, status = 400) {
		super(msg);
		this.code = code;
		this.status = status;
	}
}

export class Dm {
	constructor(node, out) {
		this.node = node;
		this.out = out;
		this.sds = node.cfg.reliability.includes("sds");
		this.seen = new Set(); // ids handed to the app (raw) — SDS dedups itself
		this.channels = new Map(); // peer key → {ch, pending: Map(msgId → state)}
	}

	start() {
		this.topic = dmTopic(this.node.publicKey);
		this.node.handlers.push((ps, m, hash, from) => {
			if (ps === this.node.cfg.pubsubTopic && m.contentTopic === this.topic) this.onMessage(m, hash);
		});
		this.node.connectHooks = [() => this.onLinkUp()];
		if (this.sds) this.timer = setInterval(() => this.tick().catch((e) => this.out.warn(`sds tick: ${e.message}`)), 250);
		this.out.line(`messenger started, public key: ${this.node.publicKey}`);
	}

	stop() {
		clearInterval(this.timer);
	}

	// --- JSON-RPC 2.0 at POST / ---

	async rpc(body) {
		let req;
		try {
			req = JSON.parse(body);
		} catch (e) {
			return this.rpcReply(null, null, new RpcError(-32700, `parse error: ${e.message}`));
		}
		const id = req?.id ?? null;
		try {
			if (typeof req !== "object" || req === null || typeof req.method !== "string")
				throw new RpcError(-32600, "invalid request");
			return this.rpcReply(id, await this.call(req.method, req.params ?? []), null);
		} catch (e) {
			return this.rpcReply(id, null, e instanceof RpcError ? e : new RpcError(-32603, e.message, 500));
		}
	}

	rpcReply(id, result, err) {
		if (!err) return [200, { jsonrpc: "2.0", id, result }];
		return [err.status, { jsonrpc: "2.0", id, error: { code: err.code, message: err.message } }];
	}

	async call(method, params) {
		const n = this.node;
		if (method === "waku_info") return { peerId: n.peerId, publicKey: n.publicKey, name: n.cfg.name };
		if (method === "wakuext_peers")
			return n.libp2p.getPeers().map((p) => ({ peerId: p.toString(), publicKey: "" }));
		const kind = KINDS[method];
		if (!kind) throw new RpcError(-32601, `method not found: ${method}`, 404);
		const p = Array.isArray(params) ? params[0] : null;
		if (!p || typeof p.message !== "string") throw new RpcError(-32602, "params[0].message must be a string");
		const to = kind === "group" ? p.members : [p.id];
		if (!Array.isArray(to) || !to.every((k) => typeof k === "string" && KEY.test(k)))
			throw new RpcError(-32602, `${kind === "group" ? "members" : "id"}: keys are 0x04 + 128 hex digits`);
		return { messages: [await this.send(kind, to.filter((k) => k !== n.publicKey), p.message)] };
	}

	// --- sending ---

	async send(kind, to, text) {
		const n = this.node;
		const env = { id: "", k: kind, from: n.publicKey, text, nonce: crypto.randomBytes(8).toString("hex") };
		const bytes = Buffer.from(JSON.stringify(env));
		const id = "0x" + crypto.createHash("sha256").update(bytes).digest("hex");
		let firstHash = "";
		this.out.line(`sent message: ${text} (ID=${id})`);
		for (const k of to) {
			const hash = this.sds ? await this.sdsSend(k, bytes, id, kind, text) : await this.rawSend(k, bytes);
			firstHash ||= hash;
			this.out.event("sent", id, hash, kind, k, text);
		}
		return { id, text, hash: firstHash };
	}

	async publishTo(key, payload) {
		const m = { payload: new Uint8Array(payload), contentTopic: dmTopic(key), version: 0, timestamp: realNs(), ephemeral: false };
		try {
			return (await this.node.publish(this.node.cfg.pubsubTopic, m)).hash;
		} catch (e) {
			this.out.warn(`publish to ${key.slice(0, 20)}… failed: ${e.message}`);
			return null;
		}
	}

	async rawSend(key, bytes) {
		const payload = Buffer.concat([Buffer.from("R"), bytes]);
		return (await this.publishTo(key, payload)) ?? "";
	}

	// --- receiving ---

	onMessage(m, hash) {
		const p = Buffer.from(m.payload ?? []);
		if (p[0] === 0x52 /* R */) return this.deliver(p.subarray(1), hash);
		if (p[0] === 0x53 /* S */) return this.sdsIncoming(p.subarray(1), hash);
	}

	deliver(bytes, hash) {
		let env;
		try {
			env = JSON.parse(bytes.toString("utf8"));
		} catch {
			return false;
		}
		const id = "0x" + crypto.createHash("sha256").update(bytes).digest("hex");
		if (this.seen.has(id)) return false;
		this.seen.add(id);
		this.out.line(`message received: ${env.text} (ID=${id})`);
		this.out.event("received", id, hash, env.k ?? "dm", env.from ?? "", env.text ?? "");
		return true;
	}

	// --- Scalable Data Sync (@waku/sds) ---

	channel(peerKey) {
		let c = this.channels.get(peerKey);
		if (c) return c;
		const me = this.node.publicKey;
		const id = "jswaku-dm:" + [me, peerKey].sort().join(":");
		const ch = new MessageChannel(id, me, { causalHistorySize: 200, enableRepair: false });
		c = { ch, peerKey, pending: new Map(), syncDue: 0, lastHash: new Map(), delivered: new Map() };
		ch.addEventListener(MessageChannelEvent.OutMessageAcknowledged, (e) => this.sdsAcked(c, e.detail));
		ch.addEventListener(MessageChannelEvent.InMessageDelivered, (e) => this.sdsDelivered(c, e.detail));
		this.channels.set(peerKey, c);
		return c;
	}

	async sdsSend(key, bytes, id, kind, text) {
		const c = this.channel(key);
		let hash = "";
		c.ch.pushOutgoingMessage(new Uint8Array(bytes), async (msg) => {
			hash = (await this.publishTo(key, Buffer.concat([Buffer.from("S"), msg.encode()]))) ?? "";
			// a failed publish is left to the resends: the message stays in the outgoing buffer
			return { success: true };
		});
		await c.ch.processTasks();
		const msgId = MessageChannel.getMessageId(new Uint8Array(bytes));
		c.pending.set(msgId, { id, kind, text, tries: 0, failed: false, next: Date.now() + this.wait(1) });
		return hash;
	}

	wait(n) {
		const cfg = this.node.cfg;
		const base = Math.min(cfg.sdsBaseMs * 2 ** Math.min(n - 1, 20), cfg.sdsMaxMs);
		return base * (0.8 + 0.4 * Math.random());
	}

	sdsIncoming(bytes, hash) {
		let msg;
		try {
			msg = Message.decode(new Uint8Array(bytes));
		} catch {
			return;
		}
		if (!msg || msg.senderId === this.node.publicKey || !KEY.test(msg.senderId)) return;
		const c = this.channel(msg.senderId);
		if (msg.channelId !== c.ch.channelId) return;
		if (msg.content?.length) {
			c.lastHash.set(msg.messageId, hash);
			c.syncDue = Date.now() + 100; // acknowledge (also duplicates: our sync may be lost)
		}
		c.ch.pushIncomingMessage(msg, undefined);
		// a message waiting for its causal dependencies is delivered only by a sweep of the
		// incoming buffer, which the app must call (MessageChannel.sweepIncomingBuffer)
		c.ch.processTasks().then(() => c.ch.sweepIncomingBuffer()).catch(() => {});
	}

	sdsDelivered(c, msgId) {
		const m = c.ch["localHistory"]?.find?.((x) => x.messageId === msgId);
		if (!m?.content) return;
		let env;
		try {
			env = JSON.parse(Buffer.from(m.content).toString("utf8"));
		} catch {
			return;
		}
		const id = "0x" + crypto.createHash("sha256").update(m.content).digest("hex");
		// @waku/sds 0.0.8 emits message-delivered again for every later copy of a message
		// that was delivered at once (its duplicate check only knows buffered ones):
		// counted and said on stderr; handed to the app once unless --sds-dedup off.
		const copies = (c.delivered.get(msgId) ?? 0) + 1;
		c.delivered.set(msgId, copies);
		if (copies > 1) {
			this.out.warn(`sds: message-delivered again for ${id} (copy ${copies})`);
			if (this.node.cfg.sdsDedup) return;
		}
		this.out.line(`message received: ${env.text} (ID=${id})`);
		this.out.event("received", id, c.lastHash.get(msgId) ?? "", env.k ?? "dm", c.peerKey, env.text ?? "");
	}

	sdsAcked(c, msgId) {
		const p = c.pending.get(msgId);
		if (!p) return;
		c.pending.delete(msgId);
		this.out.line(`message delivered: ${p.id}`);
		this.out.event("delivered", p.id, "", p.kind, c.peerKey, p.text);
	}

	// Every 250 ms: due syncs (acks), then resends of what stays unacknowledged.
	async tick() {
		const now = Date.now();
		const up = this.node.libp2p.getPeers().length > 0;
		for (const c of this.channels.values()) {
			c.ch.sweepIncomingBuffer();
			if (c.syncDue && now >= c.syncDue) {
				c.syncDue = 0;
				await c.ch.pushOutgoingSyncMessage(async (msg) => {
					await this.publishTo(c.peerKey, Buffer.concat([Buffer.from("S"), msg.encode()]));
					return true;
				});
			}
			if (!c.pending.size) continue;
			const { unacknowledged, possiblyAcknowledged } = c.ch.sweepOutgoingBuffer();
			for (const msg of [...unacknowledged, ...possiblyAcknowledged]) {
				const p = c.pending.get(msg.messageId);
				if (!p || p.failed || now < p.next) continue;
				if (!up) {
					p.next = now + 1000; // retries are not counted while the node has no peer
					continue;
				}
				if (p.tries >= this.node.cfg.sdsMaxRetries) {
					p.failed = true;
					this.out.warn(`message ${p.id} to ${c.peerKey.slice(0, 20)}… failed after ${p.tries} retries`);
					this.out.event("failed", p.id, "", p.kind, c.peerKey, p.text);
					continue;
				}
				p.tries++;
				p.next = now + this.wait(p.tries + 1);
				// the same SDS message (same id, same causal history) in a new envelope
				const hash = await this.publishTo(c.peerKey, Buffer.concat([Buffer.from("S"), msg.encode()]));
				this.out.event("retransmit", p.id, hash ?? "", p.kind, c.peerKey, p.text);
			}
		}
	}

	// A link came up: every unacknowledged message, failed ones included, starts over.
	onLinkUp() {
		for (const c of this.channels.values())
			for (const p of c.pending.values()) {
				p.failed = false;
				p.tries = 0;
				p.next = Date.now() + 300;
			}
	}
}
