// The REST subset of nwaku that faultlab's drivers use, in nwaku's shapes and status codes
// (waku-org/nwaku waku/waku_api/rest/{relay,admin,health,debug}/handlers.nim), labnode's
// JSON-RPC subset at POST / (images/labnode/README.md), and one addition: GET
// /admin/v1/peers/mesh in the shape of nwaku's (per topic: the gossipsub mesh peers).
import http from "node:http";
import { messageFromRest, messageToRest, RELAY_CODEC } from "./wakunode.mjs";

const BODY_MAX = 1 << 20;

class HttpError extends Error {
	constructor(status, msg) {
		super(msg);
		this.status = status;
	}
}

function readBody(req) {
	return new Promise((resolve, reject) => {
		const parts = [];
		let n = 0;
		req.on("data", (c) => {
			n += c.length;
			if (n > BODY_MAX) {
				reject(new HttpError(413, "request body over 1 MiB"));
				req.destroy();
			} else parts.push(c);
		});
		req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
		req.on("error", reject);
	});
}

// nwaku's timestamps are int64 ns, past 2^53: JSON.parse would round them (and change the
// message hash), so they are read as strings of digits first.
const TIMESTAMP = /("timestamp"\s*:\s*)(-?\d+)/g;

function parseJson(body) {
	try {
		return JSON.parse(body.replace(TIMESTAMP, '$1"$2"'));
	} catch (e) {
		throw new HttpError(400, `Failed to decode request: ${e.message}`);
	}
}

function topicList(body) {
	const j = parseJson(body);
	if (!Array.isArray(j) || !j.every((t) => typeof t === "string" && t.length > 0))
		throw new HttpError(400, "Failed to decode request: expected a JSON array of topics");
	return j;
}

function peerJson(node, peer, origin) {
	const id = peer.id.toString();
	const conns = node.libp2p.getConnections(peer.id);
	const addr = conns[0]?.remoteAddr.toString() ?? peer.addresses[0]?.multiaddr.toString() ?? "";
	const connected = conns.length > 0;
	const protocols = (peer.protocols.length ? peer.protocols : [RELAY_CODEC])
		.filter((p) => p.startsWith("/vac/waku/"))
		.map((protocol) => ({ protocol, connected }));
	return {
		multiaddr: addr.includes("/p2p/") ? addr : `${addr}/p2p/${id}`,
		protocols,
		connected,
		origin,
		peerId: id,
		connections: conns.length,
	};
}

export class Rest {
	constructor(node, dm, out) {
		this.node = node;
		this.dm = dm;
		this.out = out;
		this.routes = [
			["GET", /^\/health$/, () => this.health()],
			["GET", /^\/debug\/v1\/info$/, () => this.info()],
			["GET", /^\/debug\/v1\/version$/, () => [200, "jswaku (@waku/sdk 0.0.27)", "text"]],
			["GET", /^\/admin\/v1\/peers$/, () => this.peers()],
			["POST", /^\/admin\/v1\/peers$/, (b, m, q) => this.addPeers(b, q.get("dial") === "new")],
			["GET", /^\/admin\/v1\/peers\/mesh$/, () => this.mesh()],
			["POST", /^\/relay\/v1\/subscriptions$/, (b) => this.subs(b, true, false)],
			["DELETE", /^\/relay\/v1\/subscriptions$/, (b) => this.subs(b, false, false)],
			["POST", /^\/relay\/v1\/auto\/subscriptions$/, (b) => this.subs(b, true, true)],
			["DELETE", /^\/relay\/v1\/auto\/subscriptions$/, (b) => this.subs(b, false, true)],
			["POST", /^\/relay\/v1\/auto\/messages$/, (b) => this.publish(b, node.cfg.pubsubTopic)],
			["POST", /^\/relay\/v1\/messages\/(.+)$/, (b, m) => this.publish(b, m[1])],
			["GET", /^\/relay\/v1\/auto\/messages\/(.+)$/, (b, m) => this.messages(node.contentSubs, m[1])],
			["GET", /^\/relay\/v1\/messages\/(.+)$/, (b, m) => this.messages(node.pubsubSubs, m[1])],
			["POST", /^\/$/, (b) => this.dm.rpc(b)],
		];
	}

	listen(host, port) {
		this.server = http.createServer((req, res) => this.handle(req, res));
		this.server.keepAliveTimeout = 5000;
		return new Promise((resolve, reject) => {
			this.server.once("error", reject);
			this.server.listen(port, host, resolve);
		});
	}

	close() {
		this.server?.closeAllConnections?.();
		this.server?.close();
	}

	async handle(req, res) {
		const url = new URL(req.url, "http://x");
		let status, body, type;
		try {
			const route = this.routes.find(([meth, re]) => meth === req.method && re.test(url.pathname));
			if (!route) {
				const known = this.routes.some(([, re]) => re.test(url.pathname));
				throw new HttpError(known ? 405 : 404, known ? "Method not allowed" : "Not found");
			}
			const m = route[1].exec(url.pathname).map((s, i) => (i ? decodeURIComponent(s) : s));
			const b = req.method === "GET" ? "" : await readBody(req);
			[status, body, type] = await route[2](b, m, url.searchParams);
		} catch (e) {
			status = e.status ?? 500;
			body = e.message;
			type = "text";
		}
		const text = type === "text" ? String(body) : JSON.stringify(body).replace(/"timestamp":"(\d+)"/g, '"timestamp":$1');
		res.writeHead(status, {
			"Content-Type": type === "text" ? "text/plain; charset=utf-8" : "application/json",
			"Content-Length": Buffer.byteLength(text),
		});
		res.end(text);
	}

	health() {
		const ok = this.node.started;
		return [ok ? 200 : 503, {
			nodeHealth: ok ? "Ready" : "Initializing",
			protocolsHealth: [{ Relay: ok ? "Ready" : "NotReady" }],
		}];
	}

	info() {
		const n = this.node;
		return [200, {
			listenAddresses: n.listenAddresses(),
			enrUri: "",
			peerId: n.peerId,
			publicKey: n.publicKey,
			name: n.cfg.name,
			role: n.cfg.role,
			pubsubTopic: n.cfg.pubsubTopic,
		}];
	}

	async peers() {
		const n = this.node;
		const statics = new Set([...n.statics.values()].map((s) => s.peerId).filter(Boolean));
		const out = [];
		for (const p of await n.libp2p.peerStore.all()) {
			const id = p.id.toString();
			if (id === n.peerId) continue;
			const conns = n.libp2p.getConnections(p.id);
			const origin = statics.has(id) ? "Static" : conns.some((c) => c.direction === "inbound") ? "Incoming" : "Unknown";
			out.push(peerJson(n, p, origin));
		}
		return [200, out];
	}

	// nwaku: connects each one, 400 "Failed to connect to peer at index: i - p" on a failure.
	// The peers stay persistent (redialled with back-off), as labnode's --peer.
	// ?dial=new (a lab extension): a new connection even when one is open (libp2p's force),
	// what a client does that re-dials on its own timer while the old connection is dead.
	async addPeers(body, fresh) {
		const list = topicList(body);
		for (const [i, p] of list.entries()) {
			let s;
			try {
				s = this.node.addStatic(p);
			} catch (e) {
				throw new HttpError(400, `Couldn't parse remote peer info: ${e.message}`);
			}
			if (!(await this.node.dialStatic(s, fresh)))
				throw new HttpError(400, `Failed to connect to peer at index: ${i} - ${p}`);
		}
		return [200, "OK", "text"];
	}

	mesh() {
		const g = this.node.gossip;
		return [200, g.getTopics().map((topic) => {
			const m = /^\/waku\/2\/rs\/(\d+)\/(\d+)$/.exec(topic);
			return {
				pubsubTopic: topic,
				shard: m ? Number(m[2]) : null,
				peers: g.getMeshPeers(topic).map((peerId) => ({ peerId, protocols: [RELAY_CODEC] })),
			};
		})];
	}

	subs(body, add, auto) {
		const n = this.node;
		const map = auto ? n.contentSubs : n.pubsubSubs;
		for (const t of topicList(body)) {
			if (!auto && add && !n.relays(t))
				throw new HttpError(400, `Failed to subscribe: this node relays ${[...n.waku.relay.pubsubTopics].join(", ")}, not ${t}`);
			if (add && !map.has(t)) map.set(t, []);
			if (!add) map.delete(t);
		}
		return [200, "OK", "text"];
	}

	async publish(body, pubsubTopic) {
		const n = this.node;
		if (!n.relays(pubsubTopic))
			throw new HttpError(400, `Failed to publish: Node not subscribed to topic: ${pubsubTopic}`);
		let m;
		try {
			m = messageFromRest(parseJson(body));
		} catch (e) {
			throw e instanceof HttpError ? e : new HttpError(400, `Failed to decode request: ${e.message}`);
		}
		try {
			await n.publish(pubsubTopic, m);
		} catch (e) {
			throw new HttpError(400, `Failed to publish. ${e.message}`);
		}
		return [200, "OK", "text"];
	}

	messages(map, topic) {
		const arr = map.get(topic);
		if (!arr) throw new HttpError(404, `Not subscribed to topic: ${topic}`);
		map.set(topic, []);
		return [200, arr.map(messageToRest)];
	}
}
