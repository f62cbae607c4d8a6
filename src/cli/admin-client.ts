// The admin's view of a local server for CLI commands: its kubeconfig and CA under the data dir.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ApiClient } from "../client/api-client.ts";
import { defaultServerOptions } from "../server/options.ts";
import { UsageError } from "./flags.ts";

export function adminClient(dataDir = defaultServerOptions().dataDir, kubeconfigPath?: string): { client: ApiClient; caPem: string } {
  const path = kubeconfigPath ?? join(dataDir, "kubeconfig.yaml");
  if (!existsSync(path)) throw new UsageError(`no kubeconfig at ${path}: is skiff server running with --data-dir ${dataDir}?`);
  const config = parse(readFileSync(path, "utf8"));
  const cluster = config?.clusters?.[0]?.cluster;
  const user = config?.users?.[0]?.user;
  if (!cluster?.server || !user?.token) throw new UsageError(`${path} has no server or token`);
  const caPem = Buffer.from(cluster["certificate-authority-data"] ?? "", "base64").toString("utf8");
  return { client: new ApiClient(cluster.server, user.token, caPem), caPem };
}
