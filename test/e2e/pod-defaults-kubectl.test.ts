// Object shapes kubectl relies on, checked with real kubectl against a server with no
// node at all: `describe` of a pod whose projected token has no expirationSeconds (kubectl
// dereferences it), and the STATUS column of a pod no agent has seen yet.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { kubectl, kubectlOk } from "../support/kubectl.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

setDefaultTimeout(60_000);

let server: TestServer;
let kubeconfig: string;

beforeAll(async () => {
  server = await startTestServer({ disableAgent: true });
  kubeconfig = join(server.dataDir, "kubeconfig.yaml");
});
afterAll(() => server.cleanup());

const pod = `apiVersion: v1
kind: Pod
metadata:
  name: token-reader
spec:
  containers:
  - name: app
    image: busybox:1.36
    volumeMounts:
    - name: api-token
      mountPath: /var/run/secrets/tokens
  volumes:
  - name: api-token
    projected:
      sources:
      - serviceAccountToken:
          path: token
      - downwardAPI:
          items:
          - path: labels
            fieldRef:
              fieldPath: metadata.labels
`;

test("kubectl describe pod shows a projected token volume that has no expirationSeconds", async () => {
  await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: pod });
  const r = await kubectl(kubeconfig, ["describe", "pod", "token-reader"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("api-token:");
  expect(r.stdout).toMatch(/Type:\s+Projected/);
  expect(r.stdout).toMatch(/TokenExpirationSeconds:\s+3600/);
  expect(r.stdout).toMatch(/QoS Class:\s+BestEffort/);
});

test("kubectl get pods shows Pending before any node has seen the pod", async () => {
  const out = await kubectlOk(kubeconfig, ["get", "pods", "token-reader", "--no-headers"]);
  const columns = out.trim().split(/\s+/);
  // NAME READY STATUS RESTARTS AGE
  expect(columns[0]).toBe("token-reader");
  expect(columns[2]).toBe("Pending");
  expect((await kubectlOk(kubeconfig, ["get", "pod", "token-reader", "-o", "jsonpath={.status.phase}/{.status.qosClass}"])).trim()).toBe("Pending/BestEffort");
});
