// The admin kubeconfig, shaped like the one k3s writes: one cluster, user and context, all
// named "default", with the CA inline so the file works on its own.
import { writePrivateFileIfChanged } from "./files.ts";

export type KubeconfigOptions = { server: string; caPem: string; token: string; clusterName?: string; user?: string; namespace?: string };

/** A value as YAML reads it back as the same string: plain when it safely can be (as k3s writes it), else a JSON string, which YAML reads as a double-quoted scalar. */
function scalar(v: string): string {
  const safe = /^[A-Za-z0-9][A-Za-z0-9+/=._:@[\]-]*$/.test(v);
  const otherType = /^(true|false|yes|no|on|off|y|n|null|~)$/i.test(v) || /^[-+]?(0x[0-9a-f]+|0o[0-7]+|[\d_]*\.?[\d_]+(e[-+]?\d+)?)$/i.test(v) || /^\d{4}-\d\d-\d\d/.test(v);
  return safe && !otherType ? v : JSON.stringify(v);
}

/** Written from a template rather than with a YAML library, which the server would otherwise load at every start only for this. */
export function renderKubeconfig(opts: KubeconfigOptions): string {
  const cluster = scalar(opts.clusterName ?? "default");
  const user = scalar(opts.user ?? "default");
  return [
    "apiVersion: v1",
    "clusters:",
    "  - cluster:",
    `      certificate-authority-data: ${scalar(Buffer.from(opts.caPem).toString("base64"))}`,
    `      server: ${scalar(opts.server)}`,
    `    name: ${cluster}`,
    "contexts:",
    "  - context:",
    `      cluster: ${cluster}`,
    `      user: ${user}`,
    ...(opts.namespace ? [`      namespace: ${scalar(opts.namespace)}`] : []),
    "    name: default",
    "current-context: default",
    "kind: Config",
    "preferences: {}",
    "users:",
    `  - name: ${user}`,
    "    user:",
    `      token: ${scalar(opts.token)}`,
    "",
  ].join("\n");
}

/** Writes the kubeconfig with mode 0600 (it holds a bearer token), creating missing folders; an unchanged file is not rewritten. */
export async function writeKubeconfig(path: string, opts: KubeconfigOptions): Promise<void> {
  writePrivateFileIfChanged(path, renderKubeconfig(opts));
}
