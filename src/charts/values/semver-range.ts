// Masterminds/semver constraints (what Helm and sprig use) in terms of the npm semver
// package: commas mean AND, and partial versions may carry a prerelease ("1.20-0").

/** Rewrite a Masterminds constraint into an npm semver range. */
export function toNpmRange(constraint: string): string {
  return constraint
    .replaceAll(",", " ")
    .replace(/(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(-[0-9A-Za-z.-]+)/g, (_m, a, b, c, pre) => `${a}.${b ?? "0"}.${c ?? "0"}${pre}`)
    .replace(/\s+/g, " ")
    .trim();
}
