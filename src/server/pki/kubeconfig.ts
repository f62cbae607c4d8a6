// The admin kubeconfig, shaped like the one k3s writes: one cluster, user and context, all
// named "default", with the CA inline so the file works on its own.
import { stringify } from "yaml";
import { writePrivateFile } from "./files.ts";

export type KubeconfigOptions = { server: string; caPem: string; token: string; clusterName?: string; user?: string };

export function renderKubeconfig(opts: KubeconfigOptions): string {
  const cluster = opts.clusterName ?? "default";
  const user = opts.user ?? "default";
  const config = {
    apiVersion: "v1",
    clusters: [{ cluster: { "certificate-authority-data": Buffer.from(opts.caPem).toString("base64"), server: opts.server }, name: cluster }],
    contexts: [{ context: { cluster, user }, name: "default" }],
    "current-context": "default",
    kind: "Config",
    preferences: {},
    users: [{ name: user, user: { token: opts.token } }],
  };
  return stringify(config, { lineWidth: 0 });
}

/** Writes the kubeconfig with mode 0600 (it holds a bearer token), creating missing folders. */
export async function writeKubeconfig(path: string, opts: KubeconfigOptions): Promise<void> {
  writePrivateFile(path, renderKubeconfig(opts));
}
