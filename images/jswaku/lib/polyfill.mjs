// Node 20 lacks Promise.withResolvers (ES2024, Node 22), which libp2p 1.x and @waku/* call at
// run time. Loaded first by jswaku.mjs (or with `node --import`).
if (typeof Promise.withResolvers !== "function") {
	Promise.withResolvers = function withResolvers() {
		let resolve, reject;
		const promise = new this((res, rej) => {
			resolve = res;
			reject = rej;
		});
		return { promise, resolve, reject };
	};
}
