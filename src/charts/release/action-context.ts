// What every lifecycle action works with, and the rendered chart it installs.
import type { Cluster } from "./cluster.ts";
import type { ReleaseStore } from "./release-store.ts";
import type { ChartJson, ReleaseHook } from "./release-types.ts";

export interface ActionContext {
  store: ReleaseStore;
  cluster: Cluster;
  /** The clock (tests fix it). */
  now?: () => Date;
  /** How often waits poll the cluster. */
  pollMs?: number;
}

/** A chart rendered for one revision: what a release record keeps. */
export interface Rendered {
  chart: ChartJson;
  manifest: string;
  hooks: ReleaseHook[];
  notes: string;
}

export type Values = Record<string, unknown>;

/** Renders the chart for a revision with the given user values (the release's config). */
export type Renderer = (o: { revision: number; isUpgrade: boolean; config: Values }) => Rendered | Promise<Rendered>;

export interface CommonOptions {
  wait?: boolean;
  timeoutMs?: number;
  noHooks?: boolean;
  atomic?: boolean;
  description?: string;
}

export const DEFAULT_TIMEOUT_MS = 300_000;

export const nowIso = (ctx: ActionContext) => (ctx.now ? ctx.now() : new Date()).toISOString();

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function validateReleaseName(name: string): void {
  if (!name || name.length > 53 || !NAME_RE.test(name)) {
    throw new Error(`release name "${name}": invalid release name, must match regex ${NAME_RE.source} and the length must not be longer than 53`);
  }
}
