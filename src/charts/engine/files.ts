// `.Files` in templates: a chart's non-template files with Helm's accessors
// (Get, GetBytes, Glob, Lines, AsConfig, AsSecrets).
import type { ChartFile } from "../chart-types.ts";
import { marshalYaml } from "../yaml/go-yaml-emitter.ts";

/** gobwas/glob with "/" as separator: "*" stays within a segment, "**" crosses them. */
function fileGlob(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") { re += ".*"; i++; }
    else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "{") { const end = pattern.indexOf("}", i); re += "(?:" + pattern.slice(i + 1, end).split(",").map(esc).join("|") + ")"; i = end; }
    else if (c === "[") { const end = pattern.indexOf("]", i); re += "[" + pattern.slice(i + 1, end).replace(/^!/, "^") + "]"; i = end; }
    else if (c === "\\") re += esc(pattern[++i] ?? "");
    else re += esc(c);
  }
  return new RegExp(re + "$", "s");
}
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export class Files {
  private readonly byName: Map<string, Uint8Array>;
  constructor(files: ChartFile[] | Map<string, Uint8Array>) {
    this.byName = files instanceof Map ? files : new Map(files.map((f) => [f.name, f.data]));
  }
  /** The file's contents as a string ("" when it does not exist). */
  Get(name: string): string {
    const d = this.byName.get(name);
    return d ? new TextDecoder().decode(d) : "";
  }
  GetBytes(name: string): Uint8Array {
    return this.byName.get(name) ?? new Uint8Array();
  }
  Glob(pattern: string): Files {
    const re = fileGlob(pattern);
    return new Files(new Map([...this.byName].filter(([n]) => re.test(n))));
  }
  Lines(name: string): string[] {
    const s = this.Get(name);
    if (s === "") return [];
    return s.split("\n");
  }
  AsConfig(): string {
    const m: Record<string, string> = {};
    for (const [n, d] of this.byName) m[n.slice(n.lastIndexOf("/") + 1)] = new TextDecoder().decode(d);
    return Object.keys(m).length === 0 ? "" : marshalYaml(m).replace(/\n$/, "");
  }
  AsSecrets(): string {
    const m: Record<string, string> = {};
    for (const [n, d] of this.byName) m[n.slice(n.lastIndexOf("/") + 1)] = Buffer.from(d).toString("base64");
    return Object.keys(m).length === 0 ? "" : marshalYaml(m).replace(/\n$/, "");
  }
  /** Range over `.Files` iterates name → bytes, as the Go map does. */
  toJSON() { return Object.fromEntries([...this.byName].map(([n, d]) => [n, Buffer.from(d).toString("base64")])); }
}
