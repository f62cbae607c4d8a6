// The runtime driver of a node's data dir, for commands that act on a node without its
// agent running (images import, killall).
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { createPodmanDriver } from "../agent/runtime/podman-config.ts";
import type { PodmanDriver } from "../agent/runtime/podman-driver.ts";

export function nodeNameOf(dataDir: string): string {
  const cred = join(dataDir, "agent", "node-credential.json");
  if (existsSync(cred)) {
    try {
      return JSON.parse(readFileSync(cred, "utf8")).nodeName;
    } catch {}
  }
  return os.hostname().toLowerCase();
}

export async function nodeDriver(dataDir: string): Promise<PodmanDriver> {
  const state = join(dataDir, "agent", "node.json");
  const podCIDR = existsSync(state) ? (JSON.parse(readFileSync(state, "utf8")).podCIDR as string | undefined) : undefined;
  return createPodmanDriver({ dataDir, nodeName: nodeNameOf(dataDir), subnet: podCIDR });
}
