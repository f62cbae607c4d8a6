// Pods running busybox httpd with every combination of startup, liveness and readiness
// probes (the seven non-empty subsets, httpGet /index.html), plus one using the exec and
// tcpSocket handlers: the load a `helm create` chart's probes put on a node's agent.
import { TEST_IMAGE_1 } from "./images.ts";

export const PROBE_KINDS = ["startup", "liveness", "readiness"] as const;

/** The httpd container, with the given probes, as a Pod's or a pod template's container. */
export function httpdContainer(probes: Record<string, unknown>, image = TEST_IMAGE_1) {
  return { name: "web", image, command: ["httpd", "-f", "-p", "80", "-h", "/www"], ports: [{ name: "http", containerPort: 80 }], ...probes };
}

/** Probes of the kinds named, all httpGet every `periodSeconds`. */
export function httpProbes(kinds: readonly string[], periodSeconds: number): Record<string, unknown> {
  const http = { httpGet: { path: "/index.html", port: 80 }, periodSeconds };
  return Object.fromEntries(kinds.map((k) => [`${k}Probe`, k === "startup" ? { ...http, failureThreshold: 30 } : http]));
}

export function probeCombinationPods(namespace: string, periodSeconds: number) {
  const pod = (name: string, probes: Record<string, unknown>) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { test: "probes" } },
    spec: { terminationGracePeriodSeconds: 1, containers: [httpdContainer(probes)] },
  });
  const combos = [1, 2, 3, 4, 5, 6, 7].map((bits) => PROBE_KINDS.filter((_, i) => bits & (1 << i)));
  return [
    ...combos.map((kinds) => pod(kinds.join("-"), httpProbes(kinds, periodSeconds))),
    pod("exec-tcp", {
      startupProbe: { exec: { command: ["cat", "/www/index.html"] }, periodSeconds, failureThreshold: 30 },
      livenessProbe: { exec: { command: ["cat", "/www/index.html"] }, periodSeconds },
      readinessProbe: { tcpSocket: { port: "http" }, periodSeconds },
    }),
  ];
}
