// Turning rendered files into manifests and hooks as Helm's releaseutil does: split
// each file into YAML documents, read each head (kind, name, annotations), separate
// hooks (helm.sh/hook), sort both by install order.
import { parseYaml } from "../yaml/parse-yaml.ts";
import { sortByKind } from "./kind-order.ts";

export interface Manifest {
  /** Source path, e.g. "mychart/templates/deployment.yaml". */
  path: string;
  content: string;
  kind: string;
  name: string;
}

export interface Hook extends Manifest {
  events: string[];
  weight: number;
  deletePolicies: string[];
}

export class ManifestParseError extends Error {}

const HOOK_EVENTS = new Set(["pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade", "post-upgrade", "pre-rollback", "post-rollback", "test", "test-success"]);

/** releaseutil.SplitManifests (v3 separator rules): trimmed, non-empty documents in order. */
export function splitManifests(bigFile: string): string[] {
  const docs = bigFile.trim().split(/(?:^|\s*\n)---\s*/);
  return docs.filter((d) => d !== "").map((d) => d.trim());
}

interface Head { kind: string; name: string; annotations: Record<string, string> | null }

function readHead(doc: string, path: string): Head {
  let v: unknown;
  try {
    v = parseYaml(doc);
  } catch (e) {
    throw new ManifestParseError(`YAML parse error on ${path}: error converting YAML to JSON: ${goYamlMessage((e as Error).message, doc)}`);
  }
  const o = (v && typeof v === "object" && !Array.isArray(v) ? v : {}) as Record<string, unknown>;
  const md = (o.metadata && typeof o.metadata === "object" ? o.metadata : {}) as Record<string, unknown>;
  const ann = md.annotations && typeof md.annotations === "object" ? (md.annotations as Record<string, unknown>) : null;
  return {
    kind: typeof o.kind === "string" ? o.kind : "",
    name: typeof md.name === "string" ? md.name : "",
    annotations: ann ? Object.fromEntries(Object.entries(ann).map(([k, x]) => [k, String(x)])) : null,
  };
}

/** The YAML reader's messages, worded as Go's yaml.v2 scanner words the common cases. */
function goYamlMessage(msg: string, doc: string): string {
  const line = Number(/^yaml: line (\d+): /.exec(msg)?.[1] ?? 0);
  if (/Implicit map keys need to be followed by map values|Implicit keys need to be on a single line/i.test(msg)) {
    // Go's scanner notices the missing ':' only at the next token: the next non-blank
    // line, or one past the last line at the end of the document.
    const lines = doc.split("\n");
    let next = line;
    while (next < lines.length && lines[next]!.trim() === "") next++;
    return `yaml: line ${next < lines.length ? next + 1 : lines.length + 1}: could not find expected ':'`;
  }
  return msg;
}

/** Sort rendered files into manifests and hooks (releaseutil.SortManifests with InstallOrder). */
export function sortManifests(files: Map<string, string>): { manifests: Manifest[]; hooks: Hook[] } {
  const manifests: Manifest[] = [];
  const hooks: Hook[] = [];
  for (const path of [...files.keys()].sort()) {
    const content = files.get(path)!;
    if (path.slice(path.lastIndexOf("/") + 1).startsWith("_")) continue;
    if (content.trim() === "") continue;
    for (const doc of splitManifests(content)) {
      const head = readHead(doc, path);
      const hookTypes = head.annotations?.["helm.sh/hook"];
      if (hookTypes === undefined) {
        manifests.push({ path, content: doc, kind: head.kind, name: head.name });
        continue;
      }
      const events: string[] = [];
      let unknown = false;
      for (const t of hookTypes.split(",")) {
        const e = t.trim().toLowerCase();
        if (!HOOK_EVENTS.has(e)) { unknown = true; break; }
        events.push(e === "test-success" ? "test" : e);
      }
      if (unknown) continue;
      const w = Number.parseInt(head.annotations?.["helm.sh/hook-weight"] ?? "0", 10);
      hooks.push({
        path, content: doc, kind: head.kind, name: head.name, events,
        weight: Number.isNaN(w) ? 0 : w,
        deletePolicies: (head.annotations?.["helm.sh/hook-delete-policy"] ?? "").split(",").map((s) => s.trim()).filter(Boolean),
      });
    }
  }
  return { manifests: sortByKind(manifests, (m) => m.kind), hooks: sortByKind(hooks, (h) => h.kind) };
}
