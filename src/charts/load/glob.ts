// Go's path/filepath.Match patterns ("*" and "?" never cross "/", "[...]" classes,
// "\\" escapes), compiled to regular expressions. Used by .helmignore and --show-only.

export function globToRegExp(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) return /$^/; // Go: ErrBadPattern, which matches nothing
      let body = pattern.slice(i + 1, end);
      if (body.startsWith("^")) body = "^" + body.slice(1).replaceAll("\\", "\\\\");
      else body = body.replaceAll("\\", "\\\\");
      re += `[${body}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(re + "$", "s");
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

export function globMatch(pattern: string, name: string): boolean {
  return globToRegExp(pattern).test(name);
}
