// Pod volumes on the host: emptyDir folders, hostPaths, and ConfigMap/Secret/downward API
// files (alone or projected together) that are rewritten when the objects or the pod change
// (containers see updates through the bind mount).
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import type { MountSpec } from "./runtime/types.ts";
import { ContainerConfigError, type ObjectLookup } from "./env.ts";
import type { Pod } from "./pod-source.ts";
import { downwardFiles } from "./downward-api.ts";
import { claimVolumePath, readOnlyClaimVolumes } from "./claim-volumes.ts";
import type { ProjectedTokens } from "./projected-tokens.ts";

/** A volume that cannot be made yet but will be (its token is on the way): the pod waits, it is not misconfigured. */
export class VolumeNotReady extends ContainerConfigError {}

export function podDir(agentDir: string, uid: string): string {
  return join(agentDir, "pods", uid);
}

type Files = Map<string, { data: Buffer; mode: number }>;
type KeySource = { name?: string; items?: { key: string; path: string; mode?: number }[]; optional?: boolean };

/** The files of a ConfigMap or Secret (all keys, or the listed items) with their modes. */
function keyFiles(lookup: ObjectLookup, ns: string, isSecret: boolean, source: KeySource, defaultMode: number): Files {
  const name = source.name ?? "";
  const obj = lookup(isSecret ? "secrets" : "configmaps", ns, name) as { data?: Record<string, string>; binaryData?: Record<string, string> } | undefined;
  if (!obj && !source.optional) throw new ContainerConfigError(`${isSecret ? "secret" : "configmap"} "${name}" not found`);
  const files = new Map<string, Buffer>();
  for (const [k, val] of Object.entries(obj?.data ?? {})) files.set(k, isSecret ? Buffer.from(val, "base64") : Buffer.from(val));
  for (const [k, val] of Object.entries(obj?.binaryData ?? {})) files.set(k, Buffer.from(val, "base64"));
  const wanted: Files = new Map();
  if (!source.items) {
    for (const [k, data] of files) wanted.set(k, { data, mode: defaultMode });
    return wanted;
  }
  for (const it of source.items) {
    const data = files.get(it.key);
    if (!data) {
      if (source.optional) continue;
      throw new ContainerConfigError(`${isSecret ? "secret" : "configmap"} references non-existent config key: ${it.key}`);
    }
    wanted.set(it.path, { data, mode: it.mode ?? defaultMode });
  }
  return wanted;
}

/**
 * A service account token for the volume: the one held, else (offline after a restart, say)
 * the file already written while it is still there; a pod waits until it has one.
 */
function tokenFile(pod: Pod, volume: string, dir: string, src: { path: string; audience?: string; expirationSeconds?: number }, mode: number, tokens: ProjectedTokens | undefined): Files {
  const path = safeRelative(src.path);
  const token = tokens?.token(pod, src);
  if (token !== undefined) return new Map([[path, { data: Buffer.from(token), mode }]]);
  const written = join(dir, path);
  if (existsSync(written)) return new Map([[path, { data: readFileSync(written), mode }]]);
  const why = tokens?.failure(pod, src);
  if (why) throw new ContainerConfigError(`volume "${volume}": ${why}`);
  throw new VolumeNotReady(`volume "${volume}": waiting for a service account token`);
}

/** A projected volume: its sources' files merged into one folder. */
function projectedFiles(pod: Pod, volume: string, dir: string, projected: any, lookup: ObjectLookup, tokens: ProjectedTokens | undefined): Files {
  const ns = pod.metadata.namespace!;
  const mode = projected.defaultMode ?? 0o644;
  const all: Files = new Map();
  for (const src of projected.sources ?? []) {
    let files: Files;
    if (src.configMap) files = keyFiles(lookup, ns, false, src.configMap, mode);
    else if (src.secret) files = keyFiles(lookup, ns, true, src.secret, mode);
    else if (src.downwardAPI) files = downwardFiles(pod, volume, src.downwardAPI.items, mode);
    else if (src.serviceAccountToken) files = tokenFile(pod, volume, dir, src.serviceAccountToken, mode, tokens);
    else throw new ContainerConfigError(`volume "${volume}": projected source ${Object.keys(src).join(", ") || "(empty)"} is not supported`);
    for (const [path, file] of files) all.set(path, file);
  }
  return all;
}

const SERVED_TYPES = "emptyDir, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI and projected";

/** Make or refresh every volume of the pod; returns host paths by volume name. */
export function syncVolumes(agentDir: string, pod: Pod, lookup: ObjectLookup, tokens?: ProjectedTokens): Map<string, string> {
  const paths = new Map<string, string>();
  const base = join(podDir(agentDir, pod.metadata.uid!), "volumes");
  const ns = pod.metadata.namespace!;
  for (const v of pod.spec.volumes ?? []) {
    const dir = join(base, v.name);
    let files: Files | undefined;
    if (v.hostPath) {
      const type = v.hostPath.type ?? "";
      if (type === "DirectoryOrCreate" && !existsSync(v.hostPath.path)) mkdirSync(v.hostPath.path, { recursive: true, mode: 0o755 });
      if ((type === "Directory" || type === "File") && !existsSync(v.hostPath.path)) throw new ContainerConfigError(`hostPath type check failed: ${v.hostPath.path} does not exist`);
      paths.set(v.name, v.hostPath.path);
      continue;
    } else if (v.persistentVolumeClaim) {
      paths.set(v.name, claimVolumePath(v.name, ns, v.persistentVolumeClaim.claimName, lookup));
      continue;
    } else if (v.emptyDir !== undefined) {
      mkdirSync(dir, { recursive: true, mode: 0o777 });
      paths.set(v.name, dir);
      continue;
    } else if (v.configMap) files = keyFiles(lookup, ns, false, v.configMap, v.configMap.defaultMode ?? 0o644);
    else if (v.secret) files = keyFiles(lookup, ns, true, { ...v.secret, name: v.secret.secretName }, v.secret.defaultMode ?? 0o644);
    else if (v.downwardAPI) files = downwardFiles(pod, v.name, v.downwardAPI.items, v.downwardAPI.defaultMode ?? 0o644);
    else if (v.projected) files = projectedFiles(pod, v.name, dir, v.projected, lookup, tokens);
    else {
      // An empty folder in place of a network volume would lose data silently.
      const type = Object.keys(v).find((k) => k !== "name") ?? "(no source)";
      throw new ContainerConfigError(`volume "${v.name}": ${type} volumes are not supported on this node (it serves ${SERVED_TYPES})`);
    }
    writeFiles(dir, new Map([...files].map(([rel, f]) => [safeRelative(rel), f])));
    paths.set(v.name, dir);
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

export function containerMounts(container: any, volumePaths: Map<string, string>, pod?: Pod): MountSpec[] {
  const readOnlyVolumes = readOnlyClaimVolumes(pod);
  return (container.volumeMounts ?? []).map((m: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }) => {
    const host = volumePaths.get(m.name);
    if (!host) throw new ContainerConfigError(`volume "${m.name}" not found in the pod`);
    const source = m.subPath ? join(host, safeRelative(m.subPath)) : host;
    // A subPath that does not exist yet is made, as the kubelet does (a bind mount needs a source).
    if (m.subPath && !existsSync(source)) mkdirSync(source, { recursive: true, mode: 0o755 });
    return { hostPath: source, containerPath: m.mountPath, readOnly: !!m.readOnly || readOnlyVolumes.has(m.name) };
  });
}

export function removePodDir(agentDir: string, uid: string) {
  rmSync(podDir(agentDir, uid), { recursive: true, force: true });
}
