// DATA_DIR/server/manifests, k3s's auto-deploy folder: every .yaml/.yml/.json file there is
// applied with server-side apply when the server starts and whenever its content changes
// (polled: fs.watch misses edits on some filesystems and editors' rename-saves); a
// HelmChart document installs or upgrades that chart as a release instead. The chart engine
// is loaded only once there is a file to apply.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ApiClient } from "../../client/api-client.ts";
import type { ActionContext } from "../../charts/release/action-context.ts";

export interface ManifestsWatcherOptions {
  dataDir: string;
  client: ApiClient;
  /** How often the folder is re-read (default 5 s). */
  pollMs?: number;
  log?: (msg: string) => void;
  /** Replaces the cluster/store built from `client` (tests). */
  context?: ActionContext;
}

export interface ManifestsWatcher {
  folder: string;
  /** Apply whatever changed since the last pass; resolves when done. */
  sync(): Promise<void>;
  stop(): Promise<void>;
}

const MANIFEST_FILE = /^[^.].*\.(ya?ml|json)$/;

export function manifestsFolder(dataDir: string): string {
  return join(dataDir, "server", "manifests");
}

export function startManifestsWatcher(o: ManifestsWatcherOptions): ManifestsWatcher {
  const folder = manifestsFolder(o.dataDir);
  mkdirSync(folder, { recursive: true });
  const log = o.log ?? (() => {});
  let ctx = o.context;
  const applied = new Map<string, string>();
  const lastError = new Map<string, string>();
  let running: Promise<void> | undefined;
  let stopped = false;

  async function applyFile(file: string, text: string) {
    const apply = await import("./apply-manifests.ts");
    ctx ??= apply.apiActionContext(o.client);
    await apply.applyManifestFile(ctx, folder, file, text, log);
  }

  async function pass() {
    let names: string[];
    try {
      names = readdirSync(folder).filter((n) => MANIFEST_FILE.test(n)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (stopped) return;
      const path = join(folder, name);
      let text: string;
      try {
        if (!statSync(path).isFile()) continue;
        text = readFileSync(path, "utf8");
      } catch {
        continue;
      }
      const hash = createHash("sha256").update(text).digest("hex");
      if (applied.get(name) === hash) continue;
      try {
        await applyFile(name, text);
        applied.set(name, hash);
        lastError.delete(name);
      } catch (e) {
        // Retried on every pass (the server may not be ready yet), reported once per distinct error.
        const msg = (e as Error).message;
        if (lastError.get(name) !== msg) log(`manifests: ${name}: ${msg}`);
        lastError.set(name, msg);
      }
    }
  }

  const sync = () => {
    running = (running ?? Promise.resolve()).then(pass, pass);
    return running;
  };
  void sync();
  const timer = setInterval(() => void sync(), o.pollMs ?? 5000);
  return {
    folder,
    sync,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
