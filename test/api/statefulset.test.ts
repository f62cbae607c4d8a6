// StatefulSets through real kubectl against an in-process server running its scheduler and
// controllers, with hollow nodes playing the node agents: get columns, describe, claims from
// volumeClaimTemplates, scale (kubectl and the scale subresource) in order, rollout
// status/history/undo through ControllerRevisions, and Status errors for bad input.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, apiFetch, type TestServer } from "../support/server.ts";
import { kubectl, kubectlOk } from "../support/kubectl.ts";
import { startHollowNodes, type HollowNodes } from "../../src/hollow/hollow-nodes.ts";

let server: TestServer;
let hollow: HollowNodes;
const k = (args: string[], input?: string) => kubectlOk(server.kubeconfigPath, args, { input, timeoutMs: 90_000 });

beforeAll(async () => {
  server = await startTestServer({ runControllers: true });
  hollow = await startHollowNodes(server.registry, { count: 2, namePrefix: "edge-", leaseRenewMs: 2000 });
});
afterAll(async () => {
  await hollow?.stop();
  await server?.cleanup();
});

const manifest = (name: string, image: string, extra = "") => `
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  clusterIP: None
  selector: {app: ${name}}
  ports: [{name: web, port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${name}
spec:
  serviceName: ${name}
  replicas: 3
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: c
        image: ${image}
${extra}`;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}
const jsonpath = async (args: string[], path: string) => (await k([...args, "-o", `jsonpath=${path}`])).split(" ").filter(Boolean);

describe("StatefulSet through kubectl", () => {
  test("get columns, describe, rollout status, scale in order, history and undo", async () => {
    await k(["apply", "-f", "-"], manifest("web", "localhost/web:1"));
    expect(await k(["rollout", "status", "sts/web", "--timeout=60s"])).toContain("partitioned roll out complete: 3 new pods have been updated...");
    const table = (await k(["get", "sts", "web"])).split("\n");
    expect(table[0]!.split(/\s{2,}/)).toEqual(["NAME", "READY", "AGE"]);
    expect(table[1]!.split(/\s+/).slice(0, 2)).toEqual(["web", "3/3"]);
    expect((await k(["get", "sts", "web", "-o", "wide"])).split("\n")[0]!.split(/\s{2,}/)).toEqual(["NAME", "READY", "AGE", "CONTAINERS", "IMAGES"]);
    expect((await jsonpath(["get", "pods", "-l", "app=web"], "{.items[*].metadata.name}")).sort()).toEqual(["web-0", "web-1", "web-2"]);
    expect(await k(["get", "pod", "web-2", "-o", "jsonpath={.spec.hostname}.{.spec.subdomain}"])).toBe("web-2.web");
    const described = await k(["describe", "sts", "web"]);
    expect(described).toMatch(/Replicas:\s+3 desired \| 3 total/);
    expect(described).toMatch(/Update Strategy:\s+RollingUpdate\n\s+Partition:\s+0/);
    expect(described).toMatch(/Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
    expect(described).toMatch(/Normal\s+SuccessfulCreate\s+\S+\s+statefulset-controller\s+create Pod web-0 in StatefulSet web successful/);

    // Scale down through kubectl (highest ordinal goes first) and read the scale subresource.
    expect(await k(["scale", "sts/web", "--replicas=1"])).toContain("statefulset.apps/web scaled");
    await until("one pod left", async () => (await jsonpath(["get", "pods", "-l", "app=web"], "{.items[*].metadata.name}")).join() === "web-0");
    const scale = (await (await apiFetch(server, "/apis/apps/v1/namespaces/default/statefulsets/web/scale")).json()) as any;
    expect(scale).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 1 }, status: { replicas: 1, selector: "app=web" } });
    await k(["scale", "sts/web", "--replicas=3"]);
    expect(await k(["rollout", "status", "sts/web", "--timeout=60s"])).toContain("roll out complete");

    await k(["annotate", "sts/web", "kubernetes.io/change-cause=image 2"]);
    await k(["set", "image", "sts/web", "c=localhost/web:2"]);
    expect(await k(["rollout", "status", "sts/web", "--timeout=60s"])).toContain("partitioned roll out complete: 3 new pods have been updated...");
    expect(await jsonpath(["get", "pods", "-l", "app=web"], "{.items[*].spec.containers[0].image}")).toEqual(["localhost/web:2", "localhost/web:2", "localhost/web:2"]);
    expect(await k(["rollout", "history", "sts/web"])).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+image 2/);
    expect(await k(["rollout", "history", "sts/web", "--revision=1"])).toContain("localhost/web:1");
    expect(await k(["get", "controllerrevisions"])).toMatch(/web-\w+\s+statefulset\.apps\/web\s+2/);
    const status = (await k(["get", "sts", "web", "-o", "json"])).trim();
    const st = JSON.parse(status).status;
    expect(st.currentRevision).toBe(st.updateRevision);
    expect(st).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 4 });

    expect(await k(["rollout", "undo", "sts/web"])).toContain("statefulset.apps/web rolled back");
    expect(await k(["rollout", "status", "sts/web", "--timeout=60s"])).toContain("roll out complete");
    await until("pods back on image 1", async () => (await jsonpath(["get", "pods", "-l", "app=web"], "{.items[*].spec.containers[0].image}")).join() === "localhost/web:1,localhost/web:1,localhost/web:1");
    await until("revision 1 renumbered to 3", async () => /REVISION\s+CHANGE-CAUSE\n2\s+image 2\n3\s+<none>/.test(await k(["rollout", "history", "sts/web"])));
  });

  test("volumeClaimTemplates make one claim per pod that outlives it", async () => {
    await k(["apply", "-f", "-"], manifest("db", "localhost/db:1", `        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 16Mi}}`));
    await until("three claims", async () => (await jsonpath(["get", "pvc", "-l", "app=db"], "{.items[*].metadata.name}")).length === 3);
    expect((await jsonpath(["get", "pvc", "-l", "app=db"], "{.items[*].metadata.name}")).sort()).toEqual(["data-db-0", "data-db-1", "data-db-2"]);
    expect(await k(["get", "pod", "db-0", "-o", "jsonpath={.spec.volumes[0].persistentVolumeClaim.claimName}"])).toBe("data-db-0");
    expect(await k(["describe", "sts", "db"])).toMatch(/Volume Claims:\n\s+Name:\s+data\n\s+StorageClass:\s*\n\s+Labels:\s+<none>\n\s+Annotations:\s+<none>\n\s+Capacity:\s+16Mi\n\s+Access Modes:\s+\[ReadWriteOnce\]/);
    await k(["delete", "sts", "db", "--wait=true", "--timeout=60s"]);
    await until("pods gone", async () => (await jsonpath(["get", "pods", "-l", "app=db"], "{.items[*].metadata.name}")).length === 0);
    expect((await jsonpath(["get", "pvc", "-l", "app=db"], "{.items[*].metadata.name}")).sort()).toEqual(["data-db-0", "data-db-1", "data-db-2"]);
  });

  test("persistentVolumeClaimRetentionPolicy Delete: claims go with a scaled-down pod, then with the set", async () => {
    await k(["apply", "-f", "-"], manifest("tmp", "localhost/tmp:1", `        volumeMounts: [{name: data, mountPath: /data}]
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 16Mi}}`));
    const claimNames = async () => (await jsonpath(["get", "pvc", "-l", "app=tmp"], "{.items[*].metadata.name}")).sort().join();
    await until("three claims", async () => (await claimNames()) === "data-tmp-0,data-tmp-1,data-tmp-2");
    await k(["scale", "sts/tmp", "--replicas=2"]);
    await until("the claim of tmp-2 gone with it", async () => (await claimNames()) === "data-tmp-0,data-tmp-1");
    await k(["delete", "sts", "tmp"]);
    await until("every claim gone with the set", async () => (await claimNames()) === "");
  });

  test("bad StatefulSets get a 422 Status naming the field; fields other than the mutable ones are immutable", async () => {
    const bad = manifest("bad", "localhost/web:1", "  podManagementPolicy: Sometimes").split("---")[1]!;
    const r = await kubectl(server.kubeconfigPath, ["apply", "-f", "-"], { input: bad });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`spec.podManagementPolicy: Invalid value: "Sometimes": must be 'OrderedReady' or 'Parallel'`);
    const res = await apiFetch(server, "/apis/apps/v1/namespaces/default/statefulsets", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ metadata: { name: "neg" }, spec: { replicas: -1, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "c" } }, spec: { containers: [{ name: "c", image: "i" }] } } } }),
    });
    expect(res.status).toBe(422);
    const status = (await res.json()) as { kind: string; message: string };
    expect(status.kind).toBe("Status");
    expect(status.message).toContain("spec.replicas: Invalid value: -1: must be greater than or equal to 0");
    expect(status.message).toContain("`selector` does not match template `labels`");

    await k(["apply", "-f", "-"], manifest("imm", "localhost/web:1"));
    const change = await kubectl(server.kubeconfigPath, ["patch", "sts", "imm", "--type=merge", "-p", '{"spec":{"serviceName":"other"}}']);
    expect(change.code).not.toBe(0);
    expect(change.stderr).toContain("spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
  });
});
