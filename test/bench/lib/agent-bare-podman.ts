// The baseline for pod start latency: the same pod made with bare podman commands
// (`podman pod create` + `podman run -d`), in the same network namespace, with the
// agent's own podman configuration, network and image. Timed from the first command
// until `run -d` returns, which podman does once the container is running.
import { podmanPaths } from "../../../src/agent/runtime/podman-config.ts";

export type BarePodman = {
  /** Milliseconds from the first command until the container runs, per pod; all are checked running after. */
  start(mode: "sequential" | "parallel", count: number, prefix: string): Promise<number[]>;
  /** Removes every pod this baseline made (names starting with prefix). */
  removeAll(prefix: string): Promise<void>;
  run(args: string[]): Promise<string>;
};

export function barePodman(opts: { dataDir: string; netnsPrefix: string[]; network: string; image: string }): BarePodman {
  const paths = podmanPaths(opts.dataDir);
  const env = { ...process.env, CONTAINERS_CONF: paths.containersConf, CONTAINERS_STORAGE_CONF: paths.storageConf };
  const podman = Bun.which("podman");
  if (!podman) throw new Error("podman not found: apt-get install -y podman runc");

  async function run(args: string[]): Promise<string> {
    const p = Bun.spawn([...opts.netnsPrefix, podman!, ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => p.kill("SIGKILL"), 120_000);
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    clearTimeout(timer);
    if (code !== 0) throw new Error(`podman ${args.join(" ")} exited ${code}: ${err.trim()}`);
    return out;
  }

  async function one(name: string): Promise<number> {
    const t0 = performance.now();
    await run(["pod", "create", "--name", name, "--network", opts.network]);
    await run(["run", "-d", "--pod", name, "--name", `${name}-main`, "--pull", "never", opts.image, "sleep", "3600"]);
    return performance.now() - t0;
  }

  /** Checked after timing, so the check never overlaps the starts it checks. */
  async function expectRunning(names: string[]) {
    const out = await run(["inspect", "--format", "{{.Name}} {{.State.Status}}", ...names.map((n) => `${n}-main`)]);
    const notRunning = out.split("\n").filter((l) => l && !l.endsWith(" running"));
    if (notRunning.length) throw new Error(`bare containers not running: ${notRunning.join(", ")}`);
  }

  return {
    run,
    async start(mode, count, prefix) {
      const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(2, "0")}`);
      const out: number[] = [];
      if (mode === "parallel") out.push(...(await Promise.all(names.map(one))));
      else for (const n of names) out.push(await one(n));
      await expectRunning(names);
      return out;
    },
    async removeAll(prefix) {
      const ids = (await run(["pod", "ps", "--quiet", "--filter", `name=^${prefix}-`])).split("\n").filter(Boolean);
      if (ids.length) await run(["pod", "rm", "--force", "--time", "0", ...ids]);
    },
  };
}
