// What the node prints and journals, in labnode's forms (images/labnode/README.md "Output",
// reports/FORMATS.md): fleet traces on stdout in nwaku's text form, peer lines on stderr,
// the --events JSON lines with t_ms on CLOCK_MONOTONIC (libuv's hrtime is CLOCK_MONOTONIC).
import fs from "node:fs";

export function monoMs() {
	return Number(process.hrtime.bigint() / 1000n) / 1000;
}

export function realNs() {
	const ms = BigInt(Date.now());
	const sub = process.hrtime.bigint() % 1000000n;
	return ms * 1000000n + sub;
}

function stamp() {
	const d = new Date();
	return d.toISOString().replace("T", " ").replace("Z", "+00:00");
}

export class Out {
	constructor(cfg) {
		this.cfg = cfg;
		this.fd = cfg.events ? fs.openSync(cfg.events, "a") : -1;
	}

	// One nwaku-form trace line: NTC <time> <msg> k=v … topics="jswaku" tid=<pid> file=jswaku
	trace(msg, kv) {
		if (!this.cfg.traces) return;
		const parts = Object.entries(kv).map(([k, v]) => `${k}=${v}`);
		process.stdout.write(
			`NTC ${stamp()} ${msg} ${parts.join(" ")} topics="jswaku" tid=${process.pid} file=jswaku\n`
		);
	}

	line(s) {
		process.stdout.write(s + "\n");
	}

	warn(s) {
		process.stderr.write(`jswaku ${this.cfg.name}: ${s}\n`);
	}

	// {"t_ms","event","id","hash","kind","peer","text"}, flushed per line (a write(2) each).
	event(event, id, hash, kind, peer, text) {
		if (this.fd < 0) return;
		const o = { t_ms: Math.round(monoMs() * 10) / 10, event, id, hash, kind, peer, text };
		fs.writeSync(this.fd, JSON.stringify(o) + "\n");
	}

	// The relay mesh of a topic changed: {"t_ms","event":"mesh","id":"","hash":"","kind":"relay",
	// "peer":"","text":"","topic","mesh","subscribers","connected"} (report.json nodes[].mesh).
	meshEvent(topic, mesh, subscribers, connected) {
		if (this.fd < 0) return;
		const o = { t_ms: Math.round(monoMs() * 10) / 10, event: "mesh", id: "", hash: "", kind: "relay", peer: "", text: "", topic, mesh, subscribers, connected };
		fs.writeSync(this.fd, JSON.stringify(o) + "\n");
	}

	close() {
		if (this.fd >= 0) fs.closeSync(this.fd);
		this.fd = -1;
	}
}
