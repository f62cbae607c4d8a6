// Workloads for autoscaling tests and benchmarks: a Deployment of the busybox test image
// running a script, and scripts that burn CPU on demand or hold memory.
import { TEST_IMAGE_1 } from "./images.ts";

/** Burns one core (capped by its limit) while /tmp/burn exists: `touch` starts it, `rm` stops it. */
export const BURNER = "while :; do if [ -f /tmp/burn ]; then :; else sleep 1; fi; done";
/** Holds about 30 MiB in a shell variable (a loop, not a last command the shell would exec into). */
export const HOLDER = "x=$(head -c 31457280 /dev/zero | tr '\\000' a); while :; do sleep 3600; done";

export const scriptDeployment = (name: string, script: string, resources: object) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "app", image: TEST_IMAGE_1, command: ["sh", "-c", script], resources }] } },
  },
});
