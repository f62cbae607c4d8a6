// The runtime driver of a node's data dir, for commands that act on a node without its
// agent running (images import, killall): the runtime the agent last ran, else auto.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { createRuntimeDriver, type RuntimeName } from "../agent/runtime/factory.ts";
import type { RuntimeDriver } from "../agent/runtime/types.ts";

export function nodeNameOf(dataDir: string): string {
  const cred = join(dataDir, "agent", "node-credential.json");
  if (existsSync(cred)) {
    try {
      return JSON.parse(readFileSync(cred, "utf8")).nodeName;
    } catch {}
  }
  return os.hostname().toLowerCase();
}

const runtimeFile = (dataDir: string) => join(dataDir, "agent", "runtime.json");

/** Written by the agent once its driver runs. */
export function recordNodeRuntime(dataDir: string, runtime: RuntimeName, endpoint?: string): void {
  writeFileSync(runtimeFile(dataDir), JSON.stringify({ runtime, endpoint }));
}

export function nodeRuntimeOf(dataDir: string): { runtime?: RuntimeName; endpoint?: string } {
  try {
    return JSON.parse(readFileSync(runtimeFile(dataDir), "utf8"));
  } catch {
    return {};
  }
}

export async function nodeDriver(dataDir: string, runtime?: RuntimeName): Promise<RuntimeDriver> {
  const state = join(dataDir, "agent", "node.json");
  const podCIDR = existsSync(state) ? (JSON.parse(readFileSync(state, "utf8")).podCIDR as string | undefined) : undefined;
  const recorded = nodeRuntimeOf(dataDir);
  return createRuntimeDriver({ runtime: runtime ?? recorded.runtime ?? "auto", containerRuntimeEndpoint: recorded.endpoint, dataDir, nodeName: nodeNameOf(dataDir), subnet: podCIDR });
}
