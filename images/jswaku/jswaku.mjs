#!/usr/bin/env node
// faultlab's js-waku node (images/jswaku/README.md): published js-waku packages behind
// labnode's flags, REST, JSON-RPC, events and traces.
import "./lib/polyfill.mjs";
import { parseArgs, HELP, UsageError } from "./lib/flags.mjs";
import { Out } from "./lib/out.mjs";
import { JsWakuNode } from "./lib/wakunode.mjs";
import { Rest } from "./lib/rest.mjs";
import { Dm } from "./lib/dm.mjs";

let cfg;
try {
	cfg = parseArgs(process.argv.slice(2));
} catch (e) {
	if (!(e instanceof UsageError)) throw e;
	process.stderr.write(`jswaku: ${e.message}\n`);
	process.exit(2);
}
if (cfg.help) {
	process.stdout.write(HELP);
	process.exit(0);
}
if (cfg.version) {
	process.stdout.write("jswaku 0.1.0 (@waku/sdk 0.0.27, @waku/sds 0.0.8)\n");
	process.exit(0);
}

const out = new Out(cfg);
const node = new JsWakuNode(cfg, out);
const dm = new Dm(node, out);
let rest = null;

async function main() {
	try {
		await node.start();
	} catch (e) {
		process.stderr.write(`jswaku ${cfg.name}: cannot start: ${e.message}\n`);
		process.exit(1);
	}
	dm.start();
	if (cfg.rest) {
		rest = new Rest(node, dm, out);
		try {
			await rest.listen(cfg.rest.host, cfg.rest.port);
		} catch (e) {
			process.stderr.write(`jswaku ${cfg.name}: REST on ${cfg.rest.host}:${cfg.rest.port}: ${e.message}\n`);
			process.exit(1);
		}
	}
	out.warn(`listening ${node.listenAddresses().join(" ")}`);
}

let stopping = false;
async function shutdown() {
	if (stopping) return;
	stopping = true;
	dm.stop();
	rest?.close();
	await Promise.race([node.stop().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
	out.close();
	process.exit(0);
}
// A rejection nobody handled (ours or a library's) is reported, not fatal: the node keeps
// serving, and the line tells which library let it through.
process.on("unhandledRejection", (e) => out.warn(`unhandled rejection: ${e?.stack ?? e}`));
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
main();
