// `skiff chart install|upgrade|rollback|uninstall|list|history|status`: helm's commands,
// flags, output and error wording, against the cluster of --kubeconfig / $KUBECONFIG
// (or the local server's admin kubeconfig under --data-dir).
import { parseFlags, UsageError } from "../../cli/flags.ts";
import type { CommandOutput } from "../../cli/chart.ts";
import type { ActionContext, Renderer, Values } from "./action-context.ts";
import { DEFAULT_TIMEOUT_MS } from "./action-context.ts";
import { DEFAULT_LIST_STATUSES, listReleases } from "./list-releases.ts";
import { historyTable, listTable, statusText } from "./release-output.ts";
import { ReleaseNotFoundError } from "./release-errors.ts";
import type { ReleaseStatus } from "./release-types.ts";
import { parseGoDuration } from "./go-duration.ts";
import { valueFlags } from "../value-flags.ts";

export const RELEASE_SUBCOMMANDS = ["install", "upgrade", "rollback", "uninstall", "list", "ls", "history", "hist", "status"];

export const releaseUsage = `Release commands (Helm-compatible; records are Secrets helm itself reads):
  skiff chart install NAME CHART [flags]     install a chart as release NAME
  skiff chart upgrade NAME CHART [flags]     upgrade a release (-i/--install to install when missing)
  skiff chart rollback NAME [REVISION]       roll back to a revision (default: the previous one)
  skiff chart uninstall NAME... [flags]      uninstall releases (--keep-history)
  skiff chart list [flags]                   list releases (-A all namespaces, -a all statuses)
  skiff chart history NAME [--max N]         revisions of a release
  skiff chart status NAME [--revision N]     status of a release

Common flags:
  -n, --namespace NS          release namespace (default "default")
      --kubeconfig PATH       kubeconfig (default $KUBECONFIG, else DATA_DIR/kubeconfig.yaml)
      --data-dir DIR          local server data dir (default /var/lib/skiff)
Install/upgrade flags: -f/--values, --set, --set-string, --set-file, --set-json, --set-literal,
  --wait, --timeout DURATION (default 5m0s), --atomic, --create-namespace, --no-hooks,
  --replace, --description, --history-max N (default 10), --reuse-values, --reset-values,
  --kube-version V, -a/--api-versions
`;

const common = {
  namespace: { type: "string", short: "n" },
  kubeconfig: { type: "string" },
  "data-dir": { type: "string" },
} as const;


const lifecycleFlags = {
  wait: { type: "boolean" },
  timeout: { type: "string" },
  "no-hooks": { type: "boolean" },
  "history-max": { type: "string" },
  description: { type: "string" },
} as const;

/** How a command reaches the cluster; tests and the manifests folder pass their own. */
export type ContextFactory = (f: { kubeconfig?: string; dataDir?: string }) => Promise<ActionContext>;

export async function defaultContext(f: { kubeconfig?: string; dataDir?: string }): Promise<ActionContext> {
  const { adminClient } = await import("../../cli/admin-client.ts");
  const { ApiCluster } = await import("./api-cluster.ts");
  const { SecretReleaseStore } = await import("./secret-driver.ts");
  const kubeconfig = f.kubeconfig ?? (process.env.KUBECONFIG ? process.env.KUBECONFIG.split(":")[0] : undefined);
  const { client } = adminClient(f.dataDir, kubeconfig);
  return { store: new SecretReleaseStore(client), cluster: new ApiCluster(client) };
}

const PREFIX: Record<string, string> = { install: "INSTALLATION FAILED: ", upgrade: "UPGRADE FAILED: " };

export async function releaseCommand(args: string[], makeContext: ContextFactory = defaultContext): Promise<CommandOutput> {
  const io: CommandOutput = { stdout: "", stderr: "", code: 0 };
  const [sub, ...rest] = args;
  try {
    io.code = await dispatch(sub!, rest, io, makeContext);
  } catch (e) {
    const prefix = e instanceof UsageError ? "" : (PREFIX[sub!] ?? "");
    io.stderr += `Error: ${prefix}${(e as Error).message}\n`;
    io.code = 1;
  }
  return io;
}

function timeoutOf(v: string | undefined): number {
  if (v === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = parseGoDuration(v);
  if (ms === null) throw new UsageError(`invalid argument "${v}" for "--timeout" flag: time: invalid duration "${v}"`);
  return ms;
}

function intOf(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`invalid argument "${v}" for "--${name}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
  return n;
}

function historyMaxOf(v: string | undefined): number | undefined {
  return intOf(v, "history-max") ?? (process.env.HELM_MAX_HISTORY ? Number(process.env.HELM_MAX_HISTORY) : undefined);
}

async function dispatch(sub: string, args: string[], io: CommandOutput, makeContext: ContextFactory): Promise<number> {
  switch (sub) {
    case "install": return installCmd(args, io, makeContext, false);
    case "upgrade": return installCmd(args, io, makeContext, true);
    case "rollback": return rollbackCmd(args, io, makeContext);
    case "uninstall": return uninstallCmd(args, io, makeContext);
    case "list": case "ls": return listCmd(args, io, makeContext);
    case "history": case "hist": return historyCmd(args, io, makeContext);
    case "status": return statusCmd(args, io, makeContext);
  }
  throw new UsageError(`unknown command "${sub}"`);
}

/** A renderer over the chart pipeline; loading happens once, before anything else. */
async function chartRenderer(chartPath: string, name: string, namespace: string, f: Record<string, any>): Promise<{ render: Renderer; config: Values; valuesGiven: boolean }> {
  const { loadChart } = await import("../load/load-chart.ts");
  const { renderLoadedChart } = await import("../render-chart.ts");
  const { mergeUserValues } = await import("../values/user-values.ts");
  const { renderedFromResult } = await import("./rendered.ts");
  const opts = {
    valueFiles: f.values, values: f.set, stringValues: f["set-string"], fileValues: f["set-file"],
    jsonValues: f["set-json"], literalValues: f["set-literal"],
  };
  const valuesGiven = Object.values(opts).some((v) => Array.isArray(v) && v.length > 0);
  const config = mergeUserValues(opts) as Values;
  const chart = loadChart(chartPath);
  const render: Renderer = ({ revision, isUpgrade, config }) =>
    renderedFromResult(renderLoadedChart(chart, {
      releaseName: name, namespace, revision, isUpgrade, userValues: structuredClone(config),
      kubeVersion: f["kube-version"], apiVersions: (f["api-versions"] ?? []).flatMap((s: string) => s.split(",")).filter(Boolean),
    }));
  return { render, config, valuesGiven };
}

async function installCmd(args: string[], io: CommandOutput, makeContext: ContextFactory, isUpgrade: boolean): Promise<number> {
  const { values: f, positionals } = parseFlags(args, {
    ...common, ...valueFlags, ...lifecycleFlags,
    atomic: { type: "boolean" }, "create-namespace": { type: "boolean" }, replace: { type: "boolean" },
    install: { type: "boolean", short: "i" }, "reuse-values": { type: "boolean" }, "reset-values": { type: "boolean" },
  }, true);
  const cmd = isUpgrade ? "upgrade" : "install";
  if (positionals.length !== 2) throw new UsageError(`"skiff chart ${cmd}" requires 2 arguments\n\nUsage:  skiff chart ${cmd} [NAME] [CHART] [flags]`);
  const [name, chartPath] = positionals as [string, string];
  const namespace = f.namespace ?? "default";
  const timeoutMs = timeoutOf(f.timeout);
  const { render, config, valuesGiven } = await chartRenderer(chartPath, name, namespace, f);
  const ctx = await makeContext({ kubeconfig: f.kubeconfig, dataDir: f["data-dir"] });
  const base = { name, namespace, render, config, wait: f.wait, timeoutMs, noHooks: f["no-hooks"], atomic: f.atomic, description: f.description };
  if (isUpgrade) {
    const { upgrade } = await import("./upgrade.ts");
    const { install } = await import("./install.ts");
    const history = await ctx.store.history(namespace, name);
    if (f.install && (history.length === 0 || history.every((r) => r.info.status === "uninstalled"))) {
      io.stdout += `Release "${name}" does not exist. Installing it now.\n`;
      const rel = await install(ctx, { ...base, createNamespace: f["create-namespace"], replace: history.length > 0 });
      io.stdout += statusText(rel);
      return 0;
    }
    const rel = await upgrade(ctx, { ...base, valuesGiven, reuseValues: f["reuse-values"], resetValues: f["reset-values"], historyMax: historyMaxOf(f["history-max"]) });
    io.stdout += `Release "${name}" has been upgraded. Happy Helming!\n` + statusText(rel);
    return 0;
  }
  const { install } = await import("./install.ts");
  const rel = await install(ctx, { ...base, createNamespace: f["create-namespace"], replace: f.replace });
  io.stdout += statusText(rel);
  return 0;
}

async function rollbackCmd(args: string[], io: CommandOutput, makeContext: ContextFactory): Promise<number> {
  const { values: f, positionals } = parseFlags(args, { ...common, ...lifecycleFlags }, true);
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError(`"skiff chart rollback" requires 1 or 2 arguments\n\nUsage:  skiff chart rollback <RELEASE> [REVISION] [flags]`);
  const version = positionals[1] === undefined ? 0 : intOf(positionals[1], "revision")!;
  const ctx = await makeContext({ kubeconfig: f.kubeconfig, dataDir: f["data-dir"] });
  const { rollback } = await import("./rollback.ts");
  await rollback(ctx, {
    name: positionals[0]!, namespace: f.namespace ?? "default", version, wait: f.wait, timeoutMs: timeoutOf(f.timeout),
    noHooks: f["no-hooks"], historyMax: historyMaxOf(f["history-max"]), description: f.description,
  });
  io.stdout += "Rollback was a success! Happy Helming!\n";
  return 0;
}

async function uninstallCmd(args: string[], io: CommandOutput, makeContext: ContextFactory): Promise<number> {
  const { values: f, positionals } = parseFlags(args, { ...common, ...lifecycleFlags, "keep-history": { type: "boolean" } }, true);
  if (positionals.length === 0) throw new UsageError(`"skiff chart uninstall" requires at least 1 argument\n\nUsage:  skiff chart uninstall RELEASE_NAME [...] [flags]`);
  const ctx = await makeContext({ kubeconfig: f.kubeconfig, dataDir: f["data-dir"] });
  const { uninstall } = await import("./uninstall.ts");
  for (const name of positionals) {
    try {
      await uninstall(ctx, { name, namespace: f.namespace ?? "default", keepHistory: f["keep-history"], noHooks: f["no-hooks"], timeoutMs: timeoutOf(f.timeout), description: f.description });
    } catch (e) {
      if (e instanceof ReleaseNotFoundError) throw new Error(`uninstall: Release not loaded: ${name}: release: not found`);
      throw e;
    }
    io.stdout += `release "${name}" uninstalled\n`;
  }
  return 0;
}

async function listCmd(args: string[], io: CommandOutput, makeContext: ContextFactory): Promise<number> {
  const stateFlags = ["deployed", "failed", "pending", "superseded", "uninstalled", "uninstalling"] as const;
  const { values: f } = parseFlags(args, {
    ...common, "all-namespaces": { type: "boolean", short: "A" }, all: { type: "boolean", short: "a" },
    short: { type: "boolean", short: "q" }, filter: { type: "string" }, output: { type: "string", short: "o" },
    ...Object.fromEntries(stateFlags.map((s) => [s, { type: "boolean" }])) as Record<(typeof stateFlags)[number], { type: "boolean" }>,
  });
  const ctx = await makeContext({ kubeconfig: f.kubeconfig, dataDir: f["data-dir"] });
  let statuses: ReleaseStatus[] | "all" = [];
  if (f.all) statuses = "all";
  else {
    for (const s of stateFlags) {
      if (!f[s]) continue;
      if (s === "pending") statuses.push("pending-install", "pending-upgrade", "pending-rollback");
      else statuses.push(s);
    }
    if (statuses.length === 0) statuses = DEFAULT_LIST_STATUSES;
  }
  const all = await ctx.store.list(f["all-namespaces"] ? undefined : (f.namespace ?? "default"));
  const rels = listReleases(all, statuses, f.filter ? new RegExp(f.filter) : undefined);
  if (f.short) io.stdout += rels.map((r) => `${r.name}\n`).join("");
  else if (f.output === "json" || f.output === "yaml") {
    const items = rels.map((r) => ({
      name: r.name, namespace: r.namespace, revision: String(r.version), updated: r.info.last_deployed ?? "",
      status: r.info.status ?? "unknown", chart: `${r.chart.metadata.name}-${r.chart.metadata.version}`, app_version: String(r.chart.metadata.appVersion ?? ""),
    }));
    io.stdout += f.output === "json" ? JSON.stringify(items) + "\n" : (await import("yaml")).stringify(items);
  } else io.stdout += listTable(rels);
  return 0;
}

async function historyCmd(args: string[], io: CommandOutput, makeContext: ContextFactory): Promise<number> {
  const { values: f, positionals } = parseFlags(args, { ...common, max: { type: "string" } }, true);
  if (positionals.length !== 1) throw new UsageError(`"skiff chart history" requires 1 argument\n\nUsage:  skiff chart history RELEASE_NAME [flags]`);
  const ctx = await makeContext({ kubeconfig: f.kubeconfig, dataDir: f["data-dir"] });
  const max = intOf(f.max, "max") ?? 256;
  const h = await ctx.store.history(f.namespace ?? "default", positionals[0]!);
  if (h.length === 0) throw new ReleaseNotFoundError();
  io.stdout += historyTable(max > 0 ? h.slice(-max) : h);
  return 0;
}

async function statusCmd(args: string[], io: CommandOutput, makeContext: ContextFactory): Promise<number> {
  const { values: f, positionals } = parseFlags(args, { ...common, revision: { type: "string" } }, true);
  if (positionals.length !== 1) throw new UsageError(`"skiff chart status" requires 1 argument\n\nUsage:  skiff chart status RELEASE_NAME [flags]`);
  const ctx = await makeContext({ kubeconfig: f.kubeconfig, dataDir: f["data-dir"] });
  const h = await ctx.store.history(f.namespace ?? "default", positionals[0]!);
  const rev = intOf(f.revision, "revision");
  const rel = rev ? h.find((r) => r.version === rev) : h[h.length - 1];
  if (!rel) throw new ReleaseNotFoundError();
  io.stdout += statusText(rel);
  return 0;
}
