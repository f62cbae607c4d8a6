// ResourceQuota and LimitRange with real kubectl: `kubectl create quota`, the REQUEST and
// LIMIT columns of `kubectl get quota`, `kubectl describe quota` and `describe limitrange`
// (both read the typed objects), and kubectl printing the 403 of a pod past the quota.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { kubectl, kubectlOk } from "../support/kubectl.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

setDefaultTimeout(60_000);

let server: TestServer;
let kubeconfig: string;

beforeAll(async () => {
  server = await startTestServer({ disableAgent: true, runControllers: true });
  kubeconfig = join(server.dataDir, "kubeconfig.yaml");
});
afterAll(() => server.cleanup());

const pod = (name: string, cpu: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers:
  - name: app
    image: busybox:1.36
    resources:
      requests: {cpu: ${cpu}, memory: 64Mi}
      limits: {cpu: ${cpu}, memory: 128Mi}
`;

test("kubectl create quota, get quota, describe quota, and the 403 past it", async () => {
  expect(await kubectlOk(kubeconfig, ["create", "quota", "compute", "--hard=pods=2,requests.cpu=1,requests.memory=1Gi,limits.cpu=2,limits.memory=2Gi"])).toContain("resourcequota/compute created");
  await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: pod("a", "250m") });

  // status.used follows at once (admission) and stays right (the controller).
  const get = await kubectlOk(kubeconfig, ["get", "quota"]);
  expect(get.split("\n")[0]).toMatch(/^NAME\s+AGE\s+REQUEST\s+LIMIT$/);
  expect(get).toMatch(/^compute\s+\S+\s+pods: 1\/2, requests\.cpu: 250m\/1, requests\.memory: 64Mi\/1Gi\s+limits\.cpu: 250m\/2, limits\.memory: 128Mi\/2Gi$/m);

  const describe = await kubectlOk(kubeconfig, ["describe", "quota", "compute"]);
  expect(describe).toMatch(/^Name:\s+compute$/m);
  expect(describe).toMatch(/^Namespace:\s+default$/m);
  expect(describe).toMatch(/^Resource\s+Used\s+Hard$/m);
  for (const [r, used, hard] of [["limits.cpu", "250m", "2"], ["limits.memory", "128Mi", "2Gi"], ["pods", "1", "2"], ["requests.cpu", "250m", "1"], ["requests.memory", "64Mi", "1Gi"]]) {
    expect(describe).toMatch(new RegExp(`^${r.replace(".", "\\.")}\\s+${used}\\s+${hard}$`, "m"));
  }

  const over = await kubectl(kubeconfig, ["apply", "-f", "-"], { input: pod("b", "800m") });
  expect(over.code).not.toBe(0);
  expect(over.stderr).toContain('Error from server (Forbidden): error when creating "STDIN": pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=800m, used: requests.cpu=250m, limited: requests.cpu=1');
});

test("kubectl describe limitrange and get limitrange", async () => {
  const lr = `apiVersion: v1
kind: LimitRange
metadata: {name: bounds, namespace: kube-public}
spec:
  limits:
  - type: Container
    min: {cpu: 50m}
    max: {cpu: "1", memory: 512Mi}
    default: {cpu: 200m, memory: 128Mi}
    defaultRequest: {cpu: 100m}
    maxLimitRequestRatio: {cpu: "4"}
`;
  await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: lr });
  const get = await kubectlOk(kubeconfig, ["get", "limits", "-n", "kube-public"]);
  expect(get.split("\n")[0]).toMatch(/^NAME\s+CREATED AT$/);
  expect(get).toMatch(/^bounds\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);

  const describe = await kubectlOk(kubeconfig, ["describe", "limitrange", "bounds", "-n", "kube-public"]);
  expect(describe).toMatch(/^Type\s+Resource\s+Min\s+Max\s+Default Request\s+Default Limit\s+Max Limit\/Request Ratio$/m);
  expect(describe).toMatch(/^Container\s+cpu\s+50m\s+1\s+100m\s+200m\s+4$/m);
  // The default request of memory comes from its default limit, as upstream defaults it.
  expect(describe).toMatch(/^Container\s+memory\s+-\s+512Mi\s+128Mi\s+128Mi\s+-$/m);
});
