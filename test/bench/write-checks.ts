// Per-write cost of the checks every API write now makes (run: bun test/bench/write-checks.ts [iterations]):
// the decode check (wrong JSON types, metadata timestamps) and the unchanged-write comparison,
// each set beside JSON.stringify of the same object, which the store does once per write anyway.
import { configMapKind, deploymentKind, podKind } from "../../src/api/kinds/index.ts";
import type { KindDef, KubeObject } from "../../src/api/kinds/kind.ts";
import { checkDecodable } from "../../src/api/registry/decode-check.ts";
import { isUnchanged } from "../../src/api/registry/unchanged.ts";

const iterations = Number(process.argv[2] ?? 50_000);
const meta = { name: "web", namespace: "default", labels: { app: "web" }, uid: "6c14ed60-8c15-4f69-8073-ab01690adf0c", creationTimestamp: "2026-01-01T00:00:00Z", resourceVersion: "42" };
const podSpec = { containers: [{ name: "c", image: "busybox", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }], resources: { limits: { cpu: "1", memory: "64Mi" } } }], restartPolicy: "Always" };
const samples: [KindDef, KubeObject][] = [
  [configMapKind, { apiVersion: "v1", kind: "ConfigMap", metadata: meta, data: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, "v".repeat(200)])) }],
  [podKind, { apiVersion: "v1", kind: "Pod", metadata: meta, spec: podSpec, status: { phase: "Running", podIP: "10.42.0.7", conditions: [{ type: "Ready", status: "True" }] } }],
  [deploymentKind, { apiVersion: "apps/v1", kind: "Deployment", metadata: meta, spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: podSpec } } }],
];

function microseconds(run: () => void): number {
  for (let i = 0; i < 1000; i++) run(); // warm up
  const start = performance.now();
  for (let i = 0; i < iterations; i++) run();
  return ((performance.now() - start) * 1000) / iterations;
}

console.log("kind        JSON.stringify  decode check (ratio)   unchanged check (ratio)");
for (const [kind, obj] of samples) {
  const copy = structuredClone(obj);
  const base = microseconds(() => JSON.stringify(obj));
  const decode = microseconds(() => checkDecodable(kind, obj));
  const unchanged = microseconds(() => isUnchanged(copy, obj));
  const cell = (us: number) => `${us.toFixed(2)} µs (${(us / base).toFixed(1)}x)`.padEnd(23);
  console.log(`${kind.kind.padEnd(12)}${`${base.toFixed(2)} µs`.padEnd(16)}${cell(decode)}${cell(unchanged)}`);
}
