// Several servers on one real etcd, in this process: they share the cluster's CA and keys
// through etcd (sealed with the token), elect one leader for the controllers with a Lease,
// never hand out one ClusterIP or NodePort twice, and a server cut off etcd stops leading.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startEtcd, freshPrefix, type EtcdCluster } from "../support/etcd.ts";
import { relay } from "../support/etcd-relay.ts";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { collectWatch } from "../support/watch.ts";
import { eventually } from "../support/cluster.ts";
import { StartupError } from "../../src/server/start.ts";
import type { LeaderElectionTimings } from "../../src/server/leader-election.ts";

// Short timings keep the test quick; the order (duration > deadline > retry) is upstream's.
const FAST: LeaderElectionTimings = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };

let etcd: EtcdCluster;
beforeAll(async () => {
  etcd = await startEtcd(1);
});
afterAll(async () => {
  await etcd?.stop();
});
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0).reverse()) await s.cleanup().catch(() => undefined);
});

async function server(prefix: string, extra: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer({ datastoreEndpoint: etcd.endpoints.join(","), etcdPrefix: prefix, leaderElection: FAST, ...extra });
  servers.push(s);
  return s;
}

/** Poll every 100 ms until `f` gives a value (not undefined, not false). */
const until = <T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000) => eventually(what, async () => (await f()) || undefined, ms, 100);

const masterStatus = async (s: TestServer) => {
  const text = await (await apiFetch(s, "/metrics")).text();
  const m = text.match(/^leader_election_master_status\{name="skiff-controller-manager"\} (\d)/m);
  return m ? Number(m[1]) : undefined;
};

describe("several servers on one etcd", () => {
  test("a second server takes the first one's CA, encryption key and admin token from etcd with the token; without it the start is refused", async () => {
    const prefix = freshPrefix();
    const a = await server(prefix);
    // Without the first server's token the datastore's secrets cannot be opened: refused, with the fix in the message.
    const refused = await server(prefix).then(
      () => undefined,
      (e) => e,
    );
    expect(refused).toBeInstanceOf(StartupError);
    expect((refused as Error).message).toContain("--token");
    const wrong = await server(prefix, { token: "K10::server:not-the-secret" }).then(
      () => undefined,
      (e) => e,
    );
    expect(wrong).toBeInstanceOf(StartupError);

    const b = await server(prefix, { token: a.joinToken });
    expect(b.caPem).toBe(a.caPem);
    expect(b.adminToken).toBe(a.adminToken);
    expect(b.joinToken).toBe(a.joinToken);
    for (const f of ["cred/encryption.key", "cred/service-account.key"]) {
      expect(readFileSync(join(b.dataDir, "server", f))).toEqual(readFileSync(join(a.dataDir, "server", f)));
    }
    // A Secret written through A is read back through B (same key), and A's admin token works on B.
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "shared" }, stringData: { k: "v" } };
    expect((await apiFetch(a, "/api/v1/namespaces/default/secrets", { method: "POST", body: JSON.stringify(secret) })).status).toBe(201);
    const read = await until("the Secret on B", async () => {
      const r = await apiFetch(b, "/api/v1/namespaces/default/secrets/shared");
      return r.status === 200 ? ((await r.json()) as { data: Record<string, string> }) : undefined;
    });
    expect(Buffer.from(read.data.k!, "base64").toString()).toBe("v");
  });

  test("another cluster's secrets under another prefix of the same etcd do not stop a new first server", async () => {
    // The second prefix's keys sort before the first's: a range reaching past its own prefix would find the first cluster's.
    const first = await server(`/ha-${process.pid}-b/registry/`);
    const second = await server(`/ha-${process.pid}-a/registry/`);
    expect(second.caPem).toBe(first.caPem); // both seeded with the test CA
    expect(second.joinToken).not.toBe(first.joinToken);
  });

  test("one leader runs the controllers; when it stops, the other takes the lease and acts on the next change", async () => {
    const prefix = freshPrefix();
    const a = await server(prefix, { runControllers: true });
    const b = await server(prefix, { runControllers: true, token: a.joinToken });
    const statuses = await until("a leader", async () => {
      const s = [await masterStatus(a), await masterStatus(b)];
      return s[0] !== undefined && s[1] !== undefined && s[0] + s[1] === 1 ? s : undefined;
    });
    const [leader, follower] = statuses[0] === 1 ? [a, b] : [b, a];
    expect(leader.elector!.isLeader).toBe(true);
    expect(follower.elector!.isLeader).toBe(false);
    // The Lease names the leader: node name, then a random suffix.
    const lease = (await (await apiFetch(a, "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/skiff-controller-manager")).json()) as { spec: { holderIdentity: string; leaseDurationSeconds: number } };
    expect(lease.spec.holderIdentity).toBe(leader.elector!.identity);
    expect(lease.spec.holderIdentity).toMatch(/^test-node_[0-9a-f-]{36}$/);
    expect(lease.spec.leaseDurationSeconds).toBe(3);

    // A Deployment created through the follower is acted on by the leader's controllers.
    const deploy = (replicas: number) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } } });
    expect((await apiFetch(follower, "/apis/apps/v1/namespaces/default/deployments", { method: "POST", body: JSON.stringify(deploy(2)) })).status).toBe(201);
    const podsOn = async (s: TestServer) => ((await (await apiFetch(s, "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb")).json()) as { items: unknown[] }).items.length;
    await until("2 pods", async () => ((await podsOn(follower)) === 2 ? true : undefined));

    // The leader stops (releasing the lease): the follower leads, and a scale 2 → 4 is acted on.
    servers.splice(servers.indexOf(leader), 1);
    await leader.cleanup();
    await until("the follower to lead", () => (follower.elector!.isLeader ? true : undefined), 10_000);
    expect(await masterStatus(follower)).toBe(1);
    const scale = await apiFetch(follower, "/apis/apps/v1/namespaces/default/deployments/web/scale", { method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { replicas: 4 } }) });
    expect(scale.status).toBe(200);
    await until("4 pods", async () => ((await podsOn(follower)) === 4 ? true : undefined));
  });

  test("a leader cut off etcd stops leading before its lease runs out, and the other server takes over", async () => {
    const prefix = freshPrefix();
    const link = relay(etcd.endpoints[0]!);
    const a = await server(prefix, { runControllers: true, datastoreEndpoint: link.url });
    await until("A to lead", () => (a.elector!.isLeader ? true : undefined));
    const b = await server(prefix, { runControllers: true, token: a.joinToken });
    // Sample both servers' view while A loses etcd: never two leaders at once.
    let both = 0;
    const sampler = setInterval(() => {
      if (a.elector!.isLeader && b.elector!.isLeader) both++;
    }, 20);
    try {
      link.cut();
      await until("A to stop leading", () => (a.elector!.isLeader ? undefined : true), 10_000);
      await until("B to lead", () => (b.elector!.isLeader ? true : undefined), 10_000);
      // The safety property: A had stopped before B took over.
      expect(both).toBe(0);
    } finally {
      clearInterval(sampler);
      link.restore();
    }
  });

  test("two servers creating Services at once never hand out one ClusterIP or NodePort twice", async () => {
    const prefix = freshPrefix();
    const a = await server(prefix);
    const b = await server(prefix, { token: a.joinToken });
    const svc = (name: string) => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { type: "NodePort", selector: { app: name }, ports: [{ port: 80 }] } });
    const created = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const res = await apiFetch(i % 2 ? a : b, "/api/v1/namespaces/default/services", { method: "POST", body: JSON.stringify(svc(`s${i}`)) });
        expect(res.status).toBe(201);
        return (await res.json()) as { spec: { clusterIP: string; ports: { nodePort: number }[] } };
      }),
    );
    const ips = created.map((s) => s.spec.clusterIP);
    const ports = created.map((s) => s.spec.ports[0]!.nodePort);
    expect(new Set(ips).size).toBe(40);
    expect(new Set(ports).size).toBe(40);
    // Deleting a Service frees its address for the other server.
    const freed = created[0]!.spec.clusterIP;
    expect((await apiFetch(b, "/api/v1/namespaces/default/services/s0", { method: "DELETE" })).status).toBe(200);
    await until("A to see the delete", async () => ((await apiFetch(a, "/api/v1/namespaces/default/services/s0")).status === 404 ? true : undefined));
    const again = await apiFetch(a, "/api/v1/namespaces/default/services", { method: "POST", body: JSON.stringify({ ...svc("reuse"), spec: { ...svc("reuse").spec, clusterIP: freed } }) });
    expect(again.status).toBe(201);
  });

  test("SIGKILL of one etcd member during 300 creates spread over servers A and B: all acknowledged, and a watch on C sees every one in order", async () => {
    const three = await startEtcd(3);
    try {
      const prefix = freshPrefix();
      // Every server's store dials member 0 first: the kill makes all of them fail over.
      const on3 = { datastoreEndpoint: three.endpoints.join(","), etcdPrefix: prefix };
      const a = await server(prefix, on3);
      const b = await server(prefix, { ...on3, token: a.joinToken });
      const c = await server(prefix, { ...on3, token: a.joinToken });
      const rv = ((await (await apiFetch(c, "/api/v1/namespaces/default/configmaps")).json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      const acked: string[] = [];
      const writes = async () => {
        for (let round = 0; round < 30; round++) {
          if (round === 10) await three.kill(0);
          const batch = Array.from({ length: 10 }, (_, i) => `cm-${String(round * 10 + i).padStart(3, "0")}`);
          await Promise.all(
            batch.map(async (name, i) => {
              const res = await apiFetch(i % 2 ? b : a, "/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name, labels: { burst: "1" } } }) });
              if (res.status === 201) acked.push(name);
              else throw new Error(`${name}: ${res.status} ${await res.text()}`);
            }),
          );
        }
      };
      const events = await collectWatch(c, `/api/v1/namespaces/default/configmaps?watch=1&labelSelector=burst%3D1&resourceVersion=${rv}`, (ev) => ev.length >= 300, writes, 90_000);
      expect(acked.length).toBe(300);
      const added = events.filter((e) => e.type === "ADDED");
      expect(added.map((e) => e.object.metadata.name).sort()).toEqual([...acked].sort());
      const revisions = added.map((e) => Number(e.object.metadata.resourceVersion));
      expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
      expect(new Set(revisions).size).toBe(300);
    } finally {
      for (const s of servers.splice(0).reverse()) await s.cleanup().catch(() => undefined);
      await three.stop();
    }
  });
});
