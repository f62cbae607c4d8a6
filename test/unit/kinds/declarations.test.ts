import { test, expect, describe } from "bun:test";
import * as kinds from "../../../src/api/kinds/index.ts";
import { allKinds, kindByName } from "../../../src/api/kinds/index.ts";
import { apiVersionOf, type KubeObject } from "../../../src/api/kinds/kind.ts";
import { objectTypes } from "../../../src/api/validation/schema/kube-schema.generated.ts";
import { protoKinds } from "../../../src/api/protobuf/kube-proto-schema.generated.ts";
import { generateValidationSchema, VALIDATION_SCHEMA_FILE } from "../../../src/api/validation/schema/generate-schema.ts";
import { withOtherVersions } from "../../../src/api/http/other-versions.ts";
import { findKubectl, generateProtoSchema, PROTO_SCHEMA_FILE } from "../../../src/api/protobuf/generate-schema.ts";
import { schemaFor } from "../../../src/api/patch/kind-schemas.ts";
import { readFileSync } from "node:fs";

describe("everything the server knows about a kind comes from its declaration", () => {
  const regenerate = "run: bun scripts/generate-kind-schemas.ts";
  for (const k of allKinds) {
    test(`${apiVersionOf(k)} ${k.kind}: validation, patch and protobuf schemas, table columns`, () => {
      expect(k.schema, `${k.kind} declares no schema`).toBeDefined();
      expect(Object.hasOwn(objectTypes, k.schema.validation), `${k.schema.validation} is not in kube-schema.generated.ts (${regenerate})`).toBe(true);
      // Both name the same upstream type: "apps/v1.Deployment" and "k8s.io.api.apps.v1.Deployment".
      expect(protoKinds[`${apiVersionOf(k)}/${k.kind}`], `${k.kind} is not in kube-proto-schema.generated.ts (${regenerate})`).toBe(k.schema.validation);
      expect(`k8s.io.api.${k.schema.validation.replace("/", ".")}`).toBe(k.schema.protobuf);
      expect(k.schema.patch.fields?.metadata, `${k.kind}'s patch schema does not start from upstream-types' object()`).toBeDefined();
      expect(schemaFor(k)).toBe(k.schema.patch);
      expect(k.columns?.length, `${k.kind} declares no table columns`).toBeGreaterThan(0);
      if (k.subresources?.scale) for (const path of Object.values(k.subresources.scale)) expect(path).toMatch(/^(spec|status)\.[\w.]+$/);
      // The example every-kind tests create is valid as declared.
      // The uid is the server's on create; a Job derives its selector from it.
      const example = { metadata: { name: "example", uid: "0b6c2f4e-9d1a-4c3b-8f5e-7a2d1c0e9b84", ...(k.namespaced ? { namespace: "default" } : {}) }, ...structuredClone(k.example) } as KubeObject;
      k.defaults?.(example);
      expect(k.validate?.(example) ?? [], `${k.kind}'s example is not valid`).toEqual([]);
    });
  }
  test("the generated field table is what the declarations produce", () => {
    const types = [...new Set(withOtherVersions(allKinds).map((k) => k.schema.validation))];
    expect(generateValidationSchema(types) === readFileSync(VALIDATION_SCHEMA_FILE, "utf8"), regenerate).toBe(true);
  });
  test("the generated protobuf table is what the declarations produce", () => {
    const kubectl = findKubectl();
    if (!kubectl) throw new Error("kubectl is missing (the protobuf descriptors are read from it): apt-get install -y kubectl");
    const { source } = generateProtoSchema(kubectl, withOtherVersions(allKinds).map((k) => [`${apiVersionOf(k)}/${k.kind}`, k.schema.protobuf]));
    expect(source === readFileSync(PROTO_SCHEMA_FILE, "utf8"), regenerate).toBe(true);
  });
});

describe("discovery metadata as upstream serves it", () => {
  // [apiVersion, kind, plural, singular, namespaced, shortNames, categories]
  const table: [string, string, string, string, boolean, string[], string[]][] = [
    ["v1", "Namespace", "namespaces", "namespace", false, ["ns"], []],
    ["v1", "Node", "nodes", "node", false, ["no"], []],
    ["v1", "Pod", "pods", "pod", true, ["po"], ["all"]],
    ["v1", "Service", "services", "service", true, ["svc"], ["all"]],
    ["v1", "Endpoints", "endpoints", "endpoints", true, ["ep"], []],
    ["v1", "ConfigMap", "configmaps", "configmap", true, ["cm"], []],
    ["v1", "Secret", "secrets", "secret", true, [], []],
    ["v1", "Event", "events", "event", true, ["ev"], []],
    ["v1", "ServiceAccount", "serviceaccounts", "serviceaccount", true, ["sa"], []],
    ["apps/v1", "Deployment", "deployments", "deployment", true, ["deploy"], ["all"]],
    ["apps/v1", "ReplicaSet", "replicasets", "replicaset", true, ["rs"], ["all"]],
    ["coordination.k8s.io/v1", "Lease", "leases", "lease", true, [], []],
    ["discovery.k8s.io/v1", "EndpointSlice", "endpointslices", "endpointslice", true, [], []],
    ["v1", "ResourceQuota", "resourcequotas", "resourcequota", true, ["quota"], []],
    ["v1", "LimitRange", "limitranges", "limitrange", true, ["limits"], []],
    ["apps/v1", "DaemonSet", "daemonsets", "daemonset", true, ["ds"], ["all"]],
    ["apps/v1", "StatefulSet", "statefulsets", "statefulset", true, ["sts"], ["all"]],
    ["batch/v1", "Job", "jobs", "job", true, [], ["all"]],
    ["batch/v1", "CronJob", "cronjobs", "cronjob", true, ["cj"], ["all"]],
    ["apps/v1", "ControllerRevision", "controllerrevisions", "controllerrevision", true, [], []],
    ["autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", "horizontalpodautoscaler", true, ["hpa"], ["all"]],
    ["v1", "PersistentVolume", "persistentvolumes", "persistentvolume", false, ["pv"], []],
    ["v1", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", true, ["pvc"], []],
    ["storage.k8s.io/v1", "StorageClass", "storageclasses", "storageclass", false, ["sc"], []],
    ["networking.k8s.io/v1", "Ingress", "ingresses", "ingress", true, ["ing"], []],
    ["networking.k8s.io/v1", "IngressClass", "ingressclasses", "ingressclass", false, [], []],
    ["networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", "networkpolicy", true, ["netpol"], []],
    ["policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", "poddisruptionbudget", true, ["pdb"], []],
    ["rbac.authorization.k8s.io/v1", "Role", "roles", "role", true, [], []],
    ["rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", "clusterrole", false, [], []],
    ["rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", "rolebinding", true, [], []],
    ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", false, [], []],
  ];
  test("every served kind, each once", () => {
    expect(allKinds.map((k) => `${apiVersionOf(k)}/${k.kind}`).sort()).toEqual(table.map(([v, k]) => `${v}/${k}`).sort());
  });
  for (const [apiVersion, kind, plural, singular, namespaced, shortNames, categories] of table) {
    test(`${apiVersion} ${kind}`, () => {
      const k = kindByName(apiVersion, kind)!;
      expect(k).toBeDefined();
      expect([k.plural, k.singular, k.namespaced, k.shortNames ?? [], k.categories ?? []]).toEqual([plural, singular, namespaced, shortNames, categories]);
    });
  }
  test("subresources and generations", () => {
    expect(kinds.podKind.subresources).toEqual({ status: true, extra: ["log", "exec", "attach", "portforward", "proxy", "ephemeralcontainers", "eviction", "binding"] });
    for (const k of [kinds.serviceKind, kinds.nodeKind]) expect(k.subresources?.extra).toEqual(["proxy"]);
    for (const k of [kinds.deploymentKind, kinds.replicaSetKind, kinds.statefulSetKind]) {
      expect(k.subresources).toEqual({ status: true, scale: { specReplicasPath: "spec.replicas", statusReplicasPath: "status.replicas", labelSelectorPath: "spec.selector" } });
      expect(k.hasGeneration).toBe(true);
    }
    for (const k of [kinds.nodeKind, kinds.namespaceKind, kinds.serviceKind]) expect(k.subresources?.status).toBe(true);
    expect(kinds.podKind.hasGeneration).toBe(false);
    expect(kinds.configMapKind.subresources).toBeUndefined();
  });
});

describe("defaults as upstream's defaulters fill them", () => {
  test("pod", () => {
    const pod: any = {
      metadata: { name: "p" },
      spec: {
        containers: [
          { name: "a", image: "nginx", ports: [{ containerPort: 80 }], resources: { limits: { cpu: "1" } }, readinessProbe: { httpGet: { port: 80 } } },
          { name: "b", image: "registry.local:5000/tools:1.2" },
          { name: "c", image: "busybox:latest" },
          { name: "d", image: "busybox@sha256:abc" },
        ],
        volumes: [{ name: "cfg", configMap: { name: "x" } }],
      },
    };
    kinds.podKind.defaults!(pod);
    const { containers, ...rest } = pod.spec;
    expect(rest).toEqual({
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      terminationGracePeriodSeconds: 30,
      securityContext: {},
      enableServiceLinks: true,
      serviceAccountName: "default",
      serviceAccount: "default",
      priority: 0,
      volumes: [{ name: "cfg", configMap: { name: "x", defaultMode: 420 } }],
    });
    expect(containers.map((c: any) => c.imagePullPolicy)).toEqual(["Always", "IfNotPresent", "Always", "IfNotPresent"]);
    expect(containers[0]).toEqual({
      name: "a",
      image: "nginx",
      ports: [{ containerPort: 80, protocol: "TCP" }],
      resources: { limits: { cpu: "1" }, requests: { cpu: "1" } },
      readinessProbe: { httpGet: { port: 80, path: "/", scheme: "HTTP" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
      imagePullPolicy: "Always",
    });
  });

  test("deployment, with its template defaulted as a pod spec (no service account)", () => {
    const d: any = { metadata: { name: "d" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "n", image: "nginx:1.25" }] } } } };
    kinds.deploymentKind.defaults!(d);
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    expect(d.spec.template.spec.restartPolicy).toBe("Always");
    expect(d.spec.template.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
    expect(d.spec.template.spec.serviceAccountName).toBeUndefined();
    const recreate: any = { metadata: { name: "r" }, spec: { replicas: 0, strategy: { type: "Recreate" } } };
    kinds.deploymentKind.defaults!(recreate);
    expect(recreate.spec.replicas).toBe(0);
    expect(recreate.spec.strategy).toEqual({ type: "Recreate" });
  });

  test("replicaset, service, secret, namespace", () => {
    const rs: any = { metadata: { name: "r" }, spec: {} };
    kinds.replicaSetKind.defaults!(rs);
    expect(rs.spec.replicas).toBe(1);

    const svc: any = { metadata: { name: "s" }, spec: { ports: [{ port: 80 }, { port: 53, protocol: "UDP", targetPort: "dns" }] } };
    kinds.serviceKind.defaults!(svc);
    expect(svc.spec).toEqual({
      ports: [{ port: 80, protocol: "TCP", targetPort: 80 }, { port: 53, protocol: "UDP", targetPort: "dns" }],
      type: "ClusterIP",
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      ipFamilyPolicy: "SingleStack",
      ipFamilies: ["IPv4"],
    });
    const np: any = { metadata: { name: "n" }, spec: { type: "NodePort", ports: [{ port: 80 }] } };
    kinds.serviceKind.defaults!(np);
    expect(np.spec.externalTrafficPolicy).toBe("Cluster");

    const secret: any = { metadata: { name: "x" }, data: {} };
    kinds.secretKind.defaults!(secret);
    expect(secret.type).toBe("Opaque");

    const ns: any = { metadata: { name: "apps" } };
    kinds.namespaceKind.defaults!(ns);
    expect(ns.spec).toEqual({ finalizers: ["kubernetes"] });
    expect(ns.status).toEqual({ phase: "Active" });
    expect(ns.metadata.labels).toEqual({ "kubernetes.io/metadata.name": "apps" });
  });

  test("defaults are idempotent and keep what the user set", () => {
    const pod: any = { metadata: { name: "p" }, spec: { restartPolicy: "Never", containers: [{ name: "a", image: "nginx", imagePullPolicy: "Never" }] } };
    kinds.podKind.defaults!(pod);
    const once = structuredClone(pod);
    kinds.podKind.defaults!(pod);
    expect(pod).toEqual(once);
    expect(pod.spec.restartPolicy).toBe("Never");
    expect(pod.spec.containers[0].imagePullPolicy).toBe("Never");
  });

  test("defaults tolerate malformed objects (validation reports them)", () => {
    for (const k of allKinds) {
      expect(() => k.defaults?.({ metadata: { name: "x" }, spec: "oops" } as never)).not.toThrow();
      expect(() => k.defaults?.({ metadata: { name: "x" }, spec: { containers: "no", template: { spec: { containers: [null] } } } } as never)).not.toThrow();
    }
  });
});
