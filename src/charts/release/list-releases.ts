// `list`: the newest revision of each release, kept if its status is in the mask
// (deployed and failed by default, everything with --all), sorted by name.
import type { Release, ReleaseStatus } from "./release-types.ts";

export const DEFAULT_LIST_STATUSES: ReleaseStatus[] = ["deployed", "failed"];

export function listReleases(all: Release[], statuses: ReleaseStatus[] | "all", filter?: RegExp): Release[] {
  const latest = new Map<string, Release>();
  for (const r of all) {
    if (filter && !filter.test(r.name)) continue;
    const k = `${r.namespace}/${r.name}`;
    const seen = latest.get(k);
    if (!seen || seen.version < r.version) latest.set(k, r);
  }
  return [...latest.values()]
    .filter((r) => statuses === "all" || statuses.includes(r.info.status ?? "unknown"))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.namespace < b.namespace ? -1 : 1));
}
