// Bench: 20 nodes of one image in a line on loopback (n_i peers with n_{i-1}, traces off):
// time from exec to Ready on /health, RSS per node, and relay throughput of 1 KiB messages
// published through n0's REST and counted at n3 (3 hops) through its REST. The same flags
// drive both images (jswaku mirrors labnode's), so the figures stand side by side.
//   node tests/bench/jswaku_vs_labnode.mjs [jswaku|labnode …]   (JSWAKU_BENCH_N, _MSGS)
import { spawn } from "node:child_process";
import fs from "node:fs";

const N = Number(process.env.JSWAKU_BENCH_N ?? 20);
const MSGS = Number(process.env.JSWAKU_BENCH_MSGS ?? 2000);
const CT = "/bench/1/relay/proto";
const base = 16000 + (process.pid % 100) * 50;
const images = {
	jswaku: (args) => ["/usr/bin/node", ["images/jswaku/jswaku.mjs", ...args]],
	labnode: (args) => ["build/labnode", args],
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rest = (i) => `http://127.0.0.1:${base + 25 + i}`;

async function req(i, method, path, body) {
	const r = await fetch(rest(i) + path, { method, body, headers: { "content-type": "application/json" } });
	return [r.status, await r.text()];
}

function rssKiB(pid) {
	const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
	return m ? Number(m[1]) : NaN;
}

const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];

// One node alone: exec → Ready, without the other 19 competing for the CPU.
async function alone(image) {
	const [cmd, argv] = images[image](["--name", "solo", "--listen", `127.0.0.1:${base + 24}`,
		"--rest", `127.0.0.1:${base + 25}`, "--traces", "off"]);
	const t0 = performance.now();
	const k = spawn(cmd, argv, { stdio: "ignore" });
	try {
		for (;;) {
			try {
				if ((await req(0, "GET", "/health"))[0] === 200) return performance.now() - t0;
			} catch {}
			await sleep(10);
		}
	} finally {
		k.kill("SIGKILL");
		await new Promise((r) => k.once("exit", r));
	}
}

async function bench(image) {
	const kids = [], ready = [];
	const solo = await alone(image);
	try {
		for (let i = 0; i < N; i++) {
			const args = ["--name", `b${i}`, "--listen", `127.0.0.1:${base + i}`, "--rest", `127.0.0.1:${base + 25 + i}`,
				"--traces", "off", "--identity-seed", String(i + 1)];
			if (i > 0) args.push("--peer", `127.0.0.1:${base + i - 1}`);
			const [cmd, argv] = images[image](args);
			const t0 = performance.now();
			const k = spawn(cmd, argv, { stdio: ["ignore", "ignore", "ignore"] });
			kids.push(k);
			ready.push((async () => {
				for (;;) {
					try {
						if ((await req(i, "GET", "/health"))[0] === 200) return performance.now() - t0;
					} catch {}
					await sleep(20);
				}
			})());
		}
		const tready = await Promise.all(ready);
		await req(3, "POST", "/relay/v1/auto/subscriptions", JSON.stringify([CT]));
		// the line is relaying when a probe from n0 reaches n3
		const tProbe = performance.now();
		for (let ok = false; !ok; ) {
			if (performance.now() - tProbe > 60000) throw new Error("no probe reached n3 in 60 s");
			await req(0, "POST", "/relay/v1/auto/messages", JSON.stringify({ payload: "cHJvYmU=", contentTopic: CT }));
			await sleep(200);
			const [st, b] = await req(3, "GET", "/relay/v1/auto/messages/" + encodeURIComponent(CT));
			ok = st === 200 && b.includes("cHJvYmU=");
		}
		const meshMs = performance.now() - tProbe;
		await sleep(1000);
		await req(3, "GET", "/relay/v1/auto/messages/" + encodeURIComponent(CT));
		const rss = kids.map((k) => rssKiB(k.pid));
		const payload = Buffer.alloc(1024, 0x61).toString("base64");
		let sent = 0, got = 0, failed = 0;
		const t0 = performance.now();
		const senders = Array.from({ length: 8 }, async () => {
			while (sent < MSGS) {
				const n = sent++;
				const [st] = await req(0, "POST", "/relay/v1/auto/messages",
					JSON.stringify({ payload, contentTopic: CT, meta: Buffer.from(String(n)).toString("base64") }));
				if (st !== 200) failed++;
			}
		});
		const counter = (async () => {
			while (got < MSGS - failed && performance.now() - t0 < 120000) {
				const [, b] = await req(3, "GET", "/relay/v1/auto/messages/" + encodeURIComponent(CT));
				got += (b.match(/"payload"/g) ?? []).length;
				await sleep(50);
			}
		})();
		await Promise.all(senders);
		const tPub = performance.now() - t0;
		await counter;
		const tAll = performance.now() - t0;
		return { image, solo, tready, meshMs, rss, tPub, tAll, got, failed };
	} finally {
		for (const k of kids) k.kill("SIGKILL");
	}
}

function report(r) {
	const mib = (k) => (k / 1024).toFixed(1);
	console.log(`${r.image}: ${N} nodes in a line, ${MSGS} msgs of 1 KiB published at n0, counted at n3 (3 hops)`);
	console.log(`  one node alone: ready on /health ${r.solo.toFixed(0)} ms after exec`);
	console.log(`  all ${N} started at once: ready on /health after exec: p50 ${pct(r.tready, 0.5).toFixed(0)} ms, max ${Math.max(...r.tready).toFixed(0)} ms`);
	console.log(`  first probe n0 -> n3 after all ready: ${r.meshMs.toFixed(0)} ms`);
	console.log(`  RSS per node: mean ${mib(r.rss.reduce((a, b) => a + b, 0) / r.rss.length)} MiB, max ${mib(Math.max(...r.rss))} MiB`);
	console.log(`  relay: ${r.got}/${MSGS} at n3 (${r.failed} publishes refused) in ${(r.tAll / 1000).toFixed(2)} s: ` +
		`${(r.got / (r.tAll / 1000)).toFixed(0)} msg/s (REST publish alone ${(MSGS / (r.tPub / 1000)).toFixed(0)} msg/s)`);
}

for (const image of process.argv.slice(2).length ? process.argv.slice(2) : ["labnode", "jswaku"]) {
	if (image === "jswaku" && !fs.existsSync("images/jswaku/node_modules/@waku/sdk")) {
		console.log("jswaku: skipped, images/jswaku/node_modules is absent (tools/setup)");
		continue;
	}
	report(await bench(image));
}
