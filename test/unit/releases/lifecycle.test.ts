import { test, expect, describe } from "bun:test";
import { install } from "../../../src/charts/release/install.ts";
import { upgrade, PENDING_ERROR } from "../../../src/charts/release/upgrade.ts";
import { rollback } from "../../../src/charts/release/rollback.ts";
import { uninstall } from "../../../src/charts/release/uninstall.ts";
import { MemoryReleaseStore } from "../../../src/charts/release/release-store.ts";
import type { ActionContext, Rendered, Renderer, Values } from "../../../src/charts/release/action-context.ts";
import type { Release, ReleaseHook } from "../../../src/charts/release/release-types.ts";
import { FakeCluster } from "./fake-cluster.ts";

// A store that remembers every status each revision passed through.
class RecordingStore extends MemoryReleaseStore {
  transitions: string[] = [];
  override async create(r: Release) { this.transitions.push(`v${r.version} ${r.info.status}`); return super.create(r); }
  override async update(r: Release) { this.transitions.push(`v${r.version} ${r.info.status}`); return super.update(r); }
}

function setup(): { ctx: ActionContext; store: RecordingStore; cluster: FakeCluster } {
  const store = new RecordingStore();
  const cluster = new FakeCluster();
  return { ctx: { store, cluster, pollMs: 5 }, store, cluster };
}

const chart = { metadata: { name: "demo", version: "0.1.0", appVersion: "1.0" }, lock: null, templates: [], values: {}, schema: null, files: [] };

function hookDoc(kind: string, name: string, event: string, extra: Record<string, string> = {}): ReleaseHook {
  const ann = Object.entries({ "helm.sh/hook": event, ...extra }).map(([k, v]) => `    ${k}: "${v}"`).join("\n");
  const api = kind === "Job" ? "batch/v1" : "v1";
  return {
    name, kind, path: `demo/templates/${name}.yaml`, events: [event], last_run: { phase: "" },
    weight: Number(extra["helm.sh/hook-weight"] ?? 0),
    delete_policies: extra["helm.sh/hook-delete-policy"]?.split(","),
    manifest: `apiVersion: ${api}\nkind: ${kind}\nmetadata:\n  name: ${name}\n  annotations:\n${ann}`,
  };
}

/** Renders a ConfigMap (always), a Deployment, and an extra Service unless values.noService. */
function renderer(hooks: ReleaseHook[] = []): Renderer & { calls: { revision: number; isUpgrade: boolean; config: Values }[] } {
  const calls: { revision: number; isUpgrade: boolean; config: Values }[] = [];
  const fn = (o: { revision: number; isUpgrade: boolean; config: Values }): Rendered => {
    calls.push(o);
    const replicas = Number(o.config.replicas ?? 1);
    let manifest = "---\n# Source: demo/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: " + replicas + "\n";
    manifest = "---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\ndata:\n  rev: \"" + o.revision + "\"\n" + manifest;
    if (!o.config.noService) manifest += "---\n# Source: demo/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n";
    if (o.config.unserved) manifest += "---\n# Source: demo/templates/hpa.yaml\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\n";
    return { chart: structuredClone(chart), manifest, hooks: structuredClone(hooks), notes: "thanks" };
  };
  return Object.assign(fn, { calls });
}

const statuses = async (store: MemoryReleaseStore, name = "app", ns = "default") =>
  (await store.history(ns, name)).map((r) => `v${r.version} ${r.info.status} ${r.info.description}`);

describe("install", () => {
  test("goes pending-install then deployed, applying objects in Helm's install order", async () => {
    const { ctx, store, cluster } = setup();
    const rel = await install(ctx, { name: "app", namespace: "default", render: renderer(), config: { replicas: 2 } });
    expect(rel.version).toBe(1);
    expect(store.transitions).toEqual(["v1 pending-install", "v1 deployed"]);
    expect(await statuses(store)).toEqual(["v1 deployed Install complete"]);
    expect(cluster.log).toEqual(["apply ConfigMap/default/conf", "apply Service/default/web", "apply Deployment/default/web"]);
    const dep = cluster.objects.get("Deployment/default/web")!;
    expect(dep.spec.replicas).toBe(2);
    expect(dep.metadata.annotations).toEqual({ "meta.helm.sh/release-name": "app", "meta.helm.sh/release-namespace": "default" });
    expect(dep.metadata.labels!["app.kubernetes.io/managed-by"]).toBe("Helm");
    const stored = (await store.history("default", "app"))[0]!;
    expect(stored.config).toEqual({ replicas: 2 });
    expect(stored.info.notes).toBe("thanks");
    expect(stored.manifest).toContain("# Source: demo/templates/cm.yaml");
  });

  test("refuses a name in use; --replace reuses an uninstalled one as the next revision", async () => {
    const { ctx, store } = setup();
    await install(ctx, { name: "app", namespace: "default", render: renderer() });
    await expect(install(ctx, { name: "app", namespace: "default", render: renderer() })).rejects.toThrow("cannot re-use a name that is still in use");
    await expect(install(ctx, { name: "app", namespace: "default", render: renderer(), replace: true })).rejects.toThrow("cannot re-use a name that is still in use");
    await uninstall(ctx, { name: "app", namespace: "default", keepHistory: true });
    const again = await install(ctx, { name: "app", namespace: "default", render: renderer(), replace: true });
    expect(again.version).toBe(2);
    expect(await statuses(store)).toEqual(["v1 superseded Uninstallation complete", "v2 deployed Install complete"]);
  });

  test("a kind the server does not serve fails before anything is written, naming the kind", async () => {
    const { ctx, store, cluster } = setup();
    await expect(install(ctx, { name: "app", namespace: "default", render: renderer(), config: { unserved: true } }))
      .rejects.toThrow('no matches for kind "HorizontalPodAutoscaler" in version "autoscaling/v2"');
    expect(cluster.log).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  test("a render error leaves nothing behind", async () => {
    const { ctx, store, cluster } = setup();
    const bad: Renderer = () => { throw new Error("template: demo/templates/x.yaml:1:3: boom"); };
    await expect(install(ctx, { name: "app", namespace: "default", render: bad })).rejects.toThrow("boom");
    expect(cluster.log).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  test("an apply failure marks the release failed; --atomic uninstalls it", async () => {
    const { ctx, store, cluster } = setup();
    cluster.onApply = (o) => { if (o.kind === "Deployment") throw new Error("admission denied"); };
    await expect(install(ctx, { name: "app", namespace: "default", render: renderer() })).rejects.toThrow("admission denied");
    expect(await statuses(store)).toEqual(['v1 failed Release "app" failed: admission denied']);
    const s2 = setup();
    s2.cluster.onApply = cluster.onApply;
    await expect(install(s2.ctx, { name: "app", namespace: "default", render: renderer(), atomic: true }))
      .rejects.toThrow("release app failed, and has been uninstalled due to atomic being set: admission denied");
    expect(await s2.store.list()).toEqual([]);
    expect([...s2.cluster.objects.keys()]).toEqual([]);
  });

  test("invalid release names are refused", async () => {
    const { ctx } = setup();
    await expect(install(ctx, { name: "Bad_Name", namespace: "default", render: renderer() })).rejects.toThrow('release name "Bad_Name": invalid release name');
  });

  test("--create-namespace creates the namespace first", async () => {
    const { ctx, cluster } = setup();
    await install(ctx, { name: "app", namespace: "team", render: renderer(), createNamespace: true });
    expect(cluster.log[0]).toBe("create Namespace//team");
    expect(cluster.objects.has("ConfigMap/team/conf")).toBe(true);
  });
});

describe("upgrade", () => {
  test("new revision deployed, previous superseded, dropped objects deleted", async () => {
    const { ctx, store, cluster } = setup();
    const r = renderer();
    await install(ctx, { name: "app", namespace: "default", render: r });
    store.transitions = [];
    cluster.log = [];
    const rel = await upgrade(ctx, { name: "app", namespace: "default", render: r, config: { noService: true, replicas: 3 } });
    expect(rel.version).toBe(2);
    expect(r.calls.at(-1)).toEqual({ revision: 2, isUpgrade: true, config: { noService: true, replicas: 3 } });
    expect(store.transitions).toEqual(["v2 pending-upgrade", "v1 superseded", "v2 deployed"]);
    expect(await statuses(store)).toEqual(["v1 superseded Install complete", "v2 deployed Upgrade complete"]);
    expect(cluster.log).toEqual(["apply ConfigMap/default/conf", "apply Deployment/default/web", "delete Service/default/web"]);
    expect(cluster.objects.get("Deployment/default/web")!.spec.replicas).toBe(3);
  });

  test("values: kept when none are given, merged with --reuse-values, dropped with --reset-values", async () => {
    const { ctx } = setup();
    const r = renderer();
    await install(ctx, { name: "app", namespace: "default", render: r, config: { replicas: 2, a: { b: 1 } } });
    await upgrade(ctx, { name: "app", namespace: "default", render: r });
    expect(r.calls.at(-1)!.config).toEqual({ replicas: 2, a: { b: 1 } });
    await upgrade(ctx, { name: "app", namespace: "default", render: r, config: { a: { c: 2 } }, reuseValues: true });
    expect(r.calls.at(-1)!.config).toEqual({ replicas: 2, a: { b: 1, c: 2 } });
    await upgrade(ctx, { name: "app", namespace: "default", render: r, resetValues: true });
    expect(r.calls.at(-1)!.config).toEqual({});
  });

  test("refused while another operation is pending, and for an unknown release", async () => {
    const { ctx, store } = setup();
    await install(ctx, { name: "app", namespace: "default", render: renderer() });
    const [v1] = await store.history("default", "app");
    v1!.info.status = "pending-upgrade";
    await store.update(v1!);
    await expect(upgrade(ctx, { name: "app", namespace: "default", render: renderer() })).rejects.toThrow(PENDING_ERROR);
    await expect(upgrade(ctx, { name: "other", namespace: "default", render: renderer() })).rejects.toThrow("release: not found");
  });

  test("a failure marks the new revision failed; --atomic rolls back to the previous one", async () => {
    const { ctx, store, cluster } = setup();
    const r = renderer();
    await install(ctx, { name: "app", namespace: "default", render: r, config: { replicas: 1 } });
    cluster.onApply = (o) => { if (o.kind === "Deployment" && o.spec.replicas === 5) throw new Error("quota exceeded"); };
    await expect(upgrade(ctx, { name: "app", namespace: "default", render: r, config: { replicas: 5 } })).rejects.toThrow("quota exceeded");
    expect(await statuses(store)).toEqual(["v1 deployed Install complete", 'v2 failed Upgrade "app" failed: quota exceeded']);
    // --atomic's rollback waits for the Deployment: let it become available at once.
    cluster.autoReady = true;
    await expect(upgrade(ctx, { name: "app", namespace: "default", render: r, config: { replicas: 5 }, atomic: true, timeoutMs: 1000 }))
      .rejects.toThrow("release app failed, and has been rolled back due to atomic being set: quota exceeded");
    expect((await statuses(store)).slice(2)).toEqual(['v3 superseded Upgrade "app" failed: quota exceeded', "v4 deployed Rollback to 1"]);
    expect(cluster.objects.get("Deployment/default/web")!.spec.replicas).toBe(1);
  });

  test("--history-max prunes the oldest revisions but keeps the deployed one", async () => {
    const { ctx, store } = setup();
    const r = renderer();
    await install(ctx, { name: "app", namespace: "default", render: r });
    for (let i = 0; i < 4; i++) await upgrade(ctx, { name: "app", namespace: "default", render: r, historyMax: 3 });
    expect((await store.history("default", "app")).map((x) => x.version)).toEqual([3, 4, 5]);
  });
});

describe("rollback", () => {
  test("default target is the previous revision; new revision says Rollback to N", async () => {
    const { ctx, store, cluster } = setup();
    const r = renderer();
    await install(ctx, { name: "app", namespace: "default", render: r, config: { replicas: 1 } });
    await upgrade(ctx, { name: "app", namespace: "default", render: r, config: { replicas: 3, noService: true } });
    store.transitions = [];
    const rel = await rollback(ctx, { name: "app", namespace: "default" });
    expect(rel.version).toBe(3);
    expect(rel.info.rollback_revision).toBe(1);
    expect(store.transitions).toEqual(["v3 pending-rollback", "v2 superseded", "v3 deployed"]);
    expect(await statuses(store)).toEqual(["v1 superseded Install complete", "v2 superseded Upgrade complete", "v3 deployed Rollback to 1"]);
    expect(cluster.objects.get("Deployment/default/web")!.spec.replicas).toBe(1);
    expect(cluster.objects.has("Service/default/web")).toBe(true);
    const v3 = (await store.history("default", "app"))[2]!;
    expect(v3.config).toEqual({ replicas: 1 });
  });

  test("an explicit revision, and one that does not exist", async () => {
    const { ctx, store, cluster } = setup();
    const r = renderer();
    await install(ctx, { name: "app", namespace: "default", render: r, config: { replicas: 1 } });
    await upgrade(ctx, { name: "app", namespace: "default", render: r, config: { replicas: 2 } });
    await upgrade(ctx, { name: "app", namespace: "default", render: r, config: { replicas: 3 } });
    await rollback(ctx, { name: "app", namespace: "default", version: 2 });
    expect(cluster.objects.get("Deployment/default/web")!.spec.replicas).toBe(2);
    expect((await statuses(store)).at(-1)).toBe("v4 deployed Rollback to 2");
    await expect(rollback(ctx, { name: "app", namespace: "default", version: 9 })).rejects.toThrow("release has no 9 version");
    await expect(rollback(ctx, { name: "nope", namespace: "default" })).rejects.toThrow("release: not found");
  });
});

describe("uninstall", () => {
  test("deletes the objects in Helm's uninstall order and every record", async () => {
    const { ctx, store, cluster } = setup();
    await install(ctx, { name: "app", namespace: "default", render: renderer() });
    cluster.log = [];
    store.transitions = [];
    await uninstall(ctx, { name: "app", namespace: "default" });
    expect(cluster.log).toEqual(["delete Service/default/web", "delete Deployment/default/web", "delete ConfigMap/default/conf"]);
    expect(store.transitions).toEqual(["v1 uninstalling"]);
    expect(await store.list()).toEqual([]);
    await expect(uninstall(ctx, { name: "app", namespace: "default" })).rejects.toThrow("release: not found");
  });

  test("--keep-history leaves the last revision uninstalled", async () => {
    const { ctx, store } = setup();
    await install(ctx, { name: "app", namespace: "default", render: renderer() });
    await uninstall(ctx, { name: "app", namespace: "default", keepHistory: true });
    const [v1] = await store.history("default", "app");
    expect(v1!.info.status).toBe("uninstalled");
    expect(v1!.info.description).toBe("Uninstallation complete");
    expect(v1!.info.deleted).toBeTruthy();
    await expect(uninstall(ctx, { name: "app", namespace: "default", keepHistory: true })).rejects.toThrow('the release named "app" is already deleted');
  });
});

describe("hooks", () => {
  test("run per event by weight then name, around the manifest, with delete policies", async () => {
    const { ctx, store, cluster } = setup();
    const hooks = [
      hookDoc("ConfigMap", "pre-b", "pre-install", { "helm.sh/hook-weight": "1" }),
      hookDoc("ConfigMap", "pre-a", "pre-install", { "helm.sh/hook-weight": "1", "helm.sh/hook-delete-policy": "hook-succeeded" }),
      hookDoc("ConfigMap", "pre-first", "pre-install", { "helm.sh/hook-weight": "-5" }),
      hookDoc("ConfigMap", "post", "post-install"),
      hookDoc("ConfigMap", "on-upgrade", "pre-upgrade"),
    ];
    const r = renderer(hooks);
    await install(ctx, { name: "app", namespace: "default", render: r });
    expect(cluster.log).toEqual([
      "create ConfigMap/default/pre-first", "create ConfigMap/default/pre-a", "create ConfigMap/default/pre-b",
      "delete ConfigMap/default/pre-a",
      "apply ConfigMap/default/conf", "apply Service/default/web", "apply Deployment/default/web",
      "create ConfigMap/default/post",
    ]);
    const stored = (await store.history("default", "app"))[0]!;
    expect(stored.hooks!.find((h) => h.name === "pre-b")!.last_run.phase).toBe("Succeeded");
    expect(stored.hooks!.find((h) => h.name === "on-upgrade")!.last_run.phase).toBe("");
    cluster.log = [];
    await upgrade(ctx, { name: "app", namespace: "default", render: r });
    // before-hook-creation (the default) removes the old hook object before creating it again.
    expect(cluster.log[0]).toBe("create ConfigMap/default/on-upgrade");
    cluster.log = [];
    await upgrade(ctx, { name: "app", namespace: "default", render: r });
    expect(cluster.log.slice(0, 2)).toEqual(["delete ConfigMap/default/on-upgrade", "create ConfigMap/default/on-upgrade"]);
  });

  test("a Job hook is waited for; a failed one fails the release and hook-failed deletes it", async () => {
    const { ctx, store, cluster } = setup();
    const hooks = [hookDoc("Job", "migrate", "pre-install", { "helm.sh/hook-delete-policy": "hook-failed" })];
    let polls = 0;
    cluster.onCreate = (o) => {
      // The Job finishes a little after it is created.
      setTimeout(() => { polls++; o.status = { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] }; }, 30);
    };
    await expect(install(ctx, { name: "app", namespace: "default", render: renderer(hooks) })).rejects.toThrow("pre-install hooks failed");
    expect(polls).toBe(1);
    expect(cluster.log).toEqual(["create Job/default/migrate", "delete Job/default/migrate"]);
    const [v1] = await store.history("default", "app");
    expect(v1!.info.status).toBe("failed");
    expect(v1!.info.description).toContain("job migrate failed: BackoffLimitExceeded");
    expect(v1!.hooks![0]!.last_run.phase).toBe("Failed");
  });

  test("a succeeding Job lets the install go on", async () => {
    const { ctx, cluster } = setup();
    cluster.onCreate = (o) => { setTimeout(() => { o.status = { conditions: [{ type: "Complete", status: "True" }] }; }, 20); };
    const rel = await install(ctx, { name: "app", namespace: "default", render: renderer([hookDoc("Job", "migrate", "pre-install")]) });
    expect(rel.info.status).toBe("deployed");
    expect(rel.hooks![0]!.last_run.phase).toBe("Succeeded");
  });

  test("--no-hooks skips them", async () => {
    const { ctx, cluster } = setup();
    await install(ctx, { name: "app", namespace: "default", render: renderer([hookDoc("ConfigMap", "pre", "pre-install")]), noHooks: true });
    expect(cluster.log.some((l) => l.includes("pre"))).toBe(false);
  });
});

describe("--wait", () => {
  test("waits until the Deployment is available", async () => {
    const { ctx, cluster } = setup();
    setTimeout(() => {
      const d = cluster.objects.get("Deployment/default/web")!;
      d.status = { observedGeneration: d.metadata.generation, updatedReplicas: 2, availableReplicas: 2, replicas: 2 };
    }, 50);
    const t0 = Date.now();
    const rel = await install(ctx, { name: "app", namespace: "default", render: renderer(), config: { replicas: 2 }, wait: true, timeoutMs: 5000 });
    expect(rel.info.status).toBe("deployed");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
  });

  test("times out and marks the release failed", async () => {
    const { ctx, store } = setup();
    await expect(install(ctx, { name: "app", namespace: "default", render: renderer(), wait: true, timeoutMs: 60 })).rejects.toThrow("Deployment/default/web not ready");
    expect((await store.history("default", "app"))[0]!.info.status).toBe("failed");
  });
});
