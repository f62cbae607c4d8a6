// A custom kind against ConfigMaps, same server, same run (run: NODE_EXTRA_CA_CERTS=
// test/fixtures/pki/ca.crt bun test/bench/crd.ts [objects] [watched]): [objects] (10,000 by
// default) Widgets of a CRD with a structural schema (validated, defaulted, pruned) and as
// many ConfigMaps; then full LISTs and paginated LISTs (limit 500) of each, interleaved, and
// watch delivery: [watched] (1,000) creates of each while a watch is open, the time from the
// create's start to its event's arrival. Ratios are custom kind / ConfigMap.
import { apiFetch, startTestServer } from "../support/server.ts";
import { runConcurrent } from "./lib/concurrent-load.ts";
import { summarize } from "./lib/stats.ts";
import { openTimedWatch } from "./lib/watch-stream.ts";
import { widgetCrd } from "../api/crd-fixtures.ts";

const [objects = 10_000, watched = 1000] = process.argv.slice(2).map(Number);
const server = await startTestServer();
const kinds = [
  { label: "ConfigMap", path: "/api/v1/namespaces/default/configmaps", body: (name: string) => ({ metadata: { name, labels: { app: "bench" } }, data: { size: "small", replicas: "3" } }) },
  { label: "Widget (CRD)", path: "/apis/example.com/v1/namespaces/default/widgets", body: (name: string) => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name, labels: { app: "bench" } }, spec: { size: "small", replicas: 3 } }) },
];
const post = async (path: string, body: unknown) => {
  const r = await apiFetch(server, path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await r.text();
  if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${text.slice(0, 300)}`);
};
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

try {
  await post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd);
  for (const k of kinds) {
    const load = await runConcurrent(8, objects, (i) => post(k.path, k.body(`o-${i}`)));
    if (load.failures.length) throw new Error(load.failures[0]);
    const s = summarize(load.latenciesMs);
    console.log(`create ${objects} ${k.label.padEnd(13)} ${(load.wallMs / 1000).toFixed(1)} s, p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`);
  }

  // Full and paginated LISTs, interleaved so that both see the same machine.
  const full = kinds.map(() => [] as number[]);
  const paged = kinds.map(() => [] as number[]);
  for (let round = 0; round < 10; round++) {
    for (const [i, k] of kinds.entries()) {
      let t = performance.now();
      const r = await apiFetch(server, k.path);
      const list = (await r.json()) as { items: unknown[] };
      full[i]!.push(performance.now() - t);
      if (list.items.length < objects) throw new Error(`${k.label}: ${list.items.length} items`);
      t = performance.now();
      let cont = "";
      let count = 0;
      do {
        const page = (await (await apiFetch(server, `${k.path}?limit=500${cont ? `&continue=${cont}` : ""}`)).json()) as { items: unknown[]; metadata: { continue?: string } };
        count += page.items.length;
        cont = page.metadata.continue ?? "";
      } while (cont);
      paged[i]!.push(performance.now() - t);
      if (count < objects) throw new Error(`${k.label}: ${count} items paged`);
    }
  }
  const [fc, fw] = full.map((s) => summarize(s));
  const [pc, pw] = paged.map((s) => summarize(s));
  console.log(`LIST of ${objects}, 10 rounds interleaved (median ms):`);
  console.log(`  full       ConfigMap ${fc!.p50.toFixed(1)}  Widget ${fw!.p50.toFixed(1)}  ratio ${ratio(fw!.p50, fc!.p50)}`);
  console.log(`  limit=500  ConfigMap ${pc!.p50.toFixed(1)}  Widget ${pw!.p50.toFixed(1)}  ratio ${ratio(pw!.p50, pc!.p50)}`);

  // Watch delivery: one watch per kind, creates of both kinds alternating.
  const started = new Map<string, number>();
  const delays = kinds.map(() => [] as number[]);
  const watchers = await Promise.all(
    kinds.map((k, i) =>
      openTimedWatch((p, init) => apiFetch(server, p, init), `${k.path}?watch=1&resourceVersion=0&labelSelector=app%3Dwatched`, (e, at) => {
        const t0 = started.get(`${i}/${e.object.metadata.name}`);
        if (e.type === "ADDED" && t0 !== undefined) delays[i]!.push(at - t0);
      }),
    ),
  );
  for (let n = 0; n < watched; n++) {
    for (const [i, k] of kinds.entries()) {
      const name = `w-${n}`;
      const body = k.body(name) as { metadata: { labels: Record<string, string> } };
      body.metadata.labels.app = "watched";
      started.set(`${i}/${name}`, performance.now());
      await post(k.path, body);
    }
  }
  const until = Date.now() + 10_000;
  while (delays.some((d) => d.length < watched) && Date.now() < until) await Bun.sleep(20);
  for (const w of watchers) w.close();
  const [dc, dw] = delays.map((d) => summarize(d));
  console.log(`watch delivery, ${watched} creates each (create start → event read), ${objects} objects stored each:`);
  console.log(`  ConfigMap p50 ${dc!.p50.toFixed(2)} ms p99 ${dc!.p99.toFixed(2)} ms (${dc!.count} events)`);
  console.log(`  Widget    p50 ${dw!.p50.toFixed(2)} ms p99 ${dw!.p99.toFixed(2)} ms (${dw!.count} events)`);
  console.log(`  ratio Widget/ConfigMap: p50 ${ratio(dw!.p50, dc!.p50)}  p99 ${ratio(dw!.p99, dc!.p99)}`);
} finally {
  await server.cleanup();
}
