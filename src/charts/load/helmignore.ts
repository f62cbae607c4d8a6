// .helmignore rules as Helm's pkg/ignore reads them: one glob per line, "#" comments,
// "!" negation, a trailing "/" for folders only, a leading "/" or an inner "/" to match
// the whole relative path, otherwise the base name. "**" is refused.
import { globMatch } from "./glob.ts";

interface Rule { raw: string; negate: boolean; mustDir: boolean; match: (path: string) => boolean }

export class IgnoreRules {
  private rules: Rule[] = [];

  static parse(text: string): IgnoreRules {
    const r = new IgnoreRules();
    for (const line of text.split(/\r?\n/)) r.add(line);
    return r;
  }

  /** The rules Helm always applies: hidden files inside templates/. */
  addDefaults() { this.add("templates/.?*"); }

  add(line: string) {
    let rule = line.trim();
    if (rule === "" || rule.startsWith("#")) return;
    if (rule.includes("**")) throw new Error("double-star (**) syntax is not supported");
    const raw = rule;
    let negate = false, mustDir = false;
    if (rule.startsWith("!")) { negate = true; rule = rule.slice(1); }
    if (rule.endsWith("/")) { mustDir = true; rule = rule.slice(0, -1); }
    let match: (p: string) => boolean;
    if (rule.startsWith("/")) {
      const r = rule.slice(1);
      match = (p) => globMatch(r, p);
    } else if (rule.includes("/")) {
      match = (p) => globMatch(rule, p);
    } else {
      match = (p) => globMatch(rule, p.slice(p.lastIndexOf("/") + 1));
    }
    this.rules.push({ raw, negate, mustDir, match });
  }

  ignore(path: string, isDir: boolean): boolean {
    if (path === "" || path === "." || path === "./") return false;
    for (const p of this.rules) {
      if (p.negate) {
        if (p.mustDir && !isDir) return true;
        if (!p.match(path)) return true;
        continue;
      }
      if (p.mustDir && !isDir) continue;
      if (p.match(path)) return true;
    }
    return false;
  }
}
