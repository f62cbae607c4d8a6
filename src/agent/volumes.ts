// Pod volumes on the host: emptyDir folders, hostPaths, and ConfigMap/Secret files that
// are rewritten when the objects change (containers see updates through the bind mount).
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import type { MountSpec } from "./runtime/types.ts";
import { ContainerConfigError, type ObjectLookup } from "./env.ts";
import type { Pod } from "./pod-source.ts";

export function podDir(agentDir: string, uid: string): string {
  return join(agentDir, "pods", uid);
}

/** Make or refresh every volume of the pod; returns host paths by volume name. */
export function syncVolumes(agentDir: string, pod: Pod, lookup: ObjectLookup): Map<string, string> {
  const paths = new Map<string, string>();
  const base = join(podDir(agentDir, pod.metadata.uid!), "volumes");
  const ns = pod.metadata.namespace!;
  for (const v of pod.spec.volumes ?? []) {
    const dir = join(base, v.name);
    if (v.hostPath) {
      const type = v.hostPath.type ?? "";
      if (type === "DirectoryOrCreate" && !existsSync(v.hostPath.path)) mkdirSync(v.hostPath.path, { recursive: true, mode: 0o755 });
      if ((type === "Directory" || type === "File") && !existsSync(v.hostPath.path)) throw new ContainerConfigError(`hostPath type check failed: ${v.hostPath.path} does not exist`);
      paths.set(v.name, v.hostPath.path);
    } else if (v.emptyDir !== undefined) {
      mkdirSync(dir, { recursive: true, mode: 0o777 });
      paths.set(v.name, dir);
    } else if (v.configMap || v.secret) {
      const isSecret = !!v.secret;
      const name = isSecret ? v.secret.secretName : v.configMap.name;
      const source = isSecret ? v.secret : v.configMap;
      const obj = lookup(isSecret ? "secrets" : "configmaps", ns, name) as { data?: Record<string, string>; binaryData?: Record<string, string> } | undefined;
      if (!obj && !source.optional) throw new ContainerConfigError(`${isSecret ? "secret" : "configmap"} "${name}" not found`);
      const files = new Map<string, Buffer>();
      for (const [k, val] of Object.entries(obj?.data ?? {})) files.set(k, isSecret ? Buffer.from(val, "base64") : Buffer.from(val));
      for (const [k, val] of Object.entries(obj?.binaryData ?? {})) files.set(k, Buffer.from(val, "base64"));
      const wanted = new Map<string, { data: Buffer; mode: number }>();
      const defaultMode = source.defaultMode ?? 0o644;
      if (source.items) {
        for (const it of source.items) {
          const data = files.get(it.key);
          if (!data) {
            if (source.optional) continue;
            throw new ContainerConfigError(`configmap references non-existent config key: ${it.key}`);
          }
          wanted.set(safeRelative(it.path), { data, mode: it.mode ?? defaultMode });
        }
      } else for (const [k, data] of files) wanted.set(k, { data, mode: defaultMode });
      writeFiles(dir, wanted);
      paths.set(v.name, dir);
    } else {
      // Other volume types are not served: an empty folder keeps the pod runnable.
      mkdirSync(dir, { recursive: true });
      paths.set(v.name, dir);
    }
  }
  return paths;
}

function safeRelative(p: string): string {
  const n = normalize(p);
  if (n.startsWith("..") || n.startsWith("/")) throw new ContainerConfigError(`invalid volume item path ${p}`);
  return n;
}

/** Write only what changed, atomically per file, and drop files no longer wanted. */
function writeFiles(dir: string, wanted: Map<string, { data: Buffer; mode: number }>) {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const [rel, { data, mode }] of wanted) {
    const path = join(dir, rel);
    if (existsSync(path) && readFileSync(path).equals(data)) continue;
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.skiff-tmp`;
    writeFileSync(tmp, data);
    chmodSync(tmp, mode);
    renameSync(tmp, path);
  }
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    const full = join(dir, entry);
    if (!wanted.has(entry) && !Array.from(wanted.keys()).some((k) => k.startsWith(entry + "/"))) rmSync(full, { recursive: true, force: true });
  }
}

export function containerMounts(container: any, volumePaths: Map<string, string>): MountSpec[] {
  return (container.volumeMounts ?? []).map((m: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }) => {
    const host = volumePaths.get(m.name);
    if (!host) throw new ContainerConfigError(`volume "${m.name}" not found in the pod`);
    return { hostPath: m.subPath ? join(host, safeRelative(m.subPath)) : host, containerPath: m.mountPath, readOnly: !!m.readOnly };
  });
}

export function removePodDir(agentDir: string, uid: string) {
  rmSync(podDir(agentDir, uid), { recursive: true, force: true });
}
