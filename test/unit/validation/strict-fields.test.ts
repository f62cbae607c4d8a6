import { test, expect, describe } from "bun:test";
import { unknownFields, typeErrors } from "../../../src/api/validation/index.ts";
import { validateAgainstKind } from "../../../src/api/validation/validate-kind.ts";
import * as kinds from "../../../src/api/kinds/index.ts";

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" }, annotations: { "a/b": "c" }, managedFields: [{ manager: "kubectl", fieldsV1: { "f:spec": {} } }] },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "nginx", image: "nginx", ports: [{ containerPort: 80 }], resources: { limits: { cpu: "100m" } }, env: [{ name: "A", value: "1" }] }] },
    },
  },
  status: { replicas: 2, conditions: [{ type: "Available", status: "True" }] },
};

describe("unknown fields (fieldValidation=Strict/Warn)", () => {
  test("a well-formed object has none", () => {
    expect(unknownFields(kinds.deploymentKind, deployment)).toEqual([]);
  });
  test("misspelt fields are listed with their paths", () => {
    const bad = structuredClone(deployment) as any;
    bad.spec.replica = 3;
    bad.spec.template.spec.containers[0].imagee = "x";
    bad.spec.template.spec.containers[0].ports[0].port = 80;
    bad.metadata.lables = {};
    // In document order, as a decoder meets them.
    expect(unknownFields(kinds.deploymentKind, bad)).toEqual([".metadata.lables", ".spec.template.spec.containers[0].ports[0].port", ".spec.template.spec.containers[0].imagee", ".spec.replica"]);
  });
  test("map values and free-form fields are not fields", () => {
    const cm = { metadata: { name: "c" }, data: { "any.key": "v" }, binaryData: { b: "AA==" } };
    expect(unknownFields(kinds.configMapKind, cm)).toEqual([]);
    expect(unknownFields(kinds.configMapKind, { ...cm, stringData: {} })).toEqual([".stringData"]);
    expect(unknownFields(kinds.secretKind, { metadata: { name: "s" }, stringData: { a: "b" }, type: "Opaque" })).toEqual([]);
  });
  test("every served kind has a schema", () => {
    for (const k of kinds.allKinds) expect(unknownFields(k, { metadata: { name: "x" }, bogus: 1 })).toEqual([".bogus"]);
  });
});

describe("type errors", () => {
  test("a string where an integer belongs, an object where a list belongs", () => {
    const bad = structuredClone(deployment) as any;
    bad.spec.replicas = "3";
    bad.spec.template.spec.containers[0].ports = { containerPort: 80 };
    expect(typeErrors(kinds.deploymentKind, bad).map((e) => `${e.field}: ${e.message}`)).toEqual([
      'spec.replicas: Invalid value: "3": spec.replicas in body must be of type integer: "string"',
      'spec.template.spec.containers[0].ports: Invalid value: {"containerPort":80}: spec.template.spec.containers[0].ports in body must be of type array: "object"',
    ]);
  });
  test("int-or-string accepts both, null is the zero value", () => {
    const ok = structuredClone(deployment) as any;
    ok.spec.strategy.rollingUpdate = { maxSurge: 1, maxUnavailable: "10%" };
    ok.spec.paused = null;
    expect(typeErrors(kinds.deploymentKind, ok)).toEqual([]);
    ok.spec.strategy.rollingUpdate.maxSurge = true;
    expect(typeErrors(kinds.deploymentKind, ok).map((e) => e.field)).toEqual(["spec.strategy.rollingUpdate.maxSurge"]);
  });
  test("a write is checked for type errors before the kind's semantic checks", () => {
    const errs = validateAgainstKind(kinds.configMapKind, { metadata: { name: "c", namespace: "default" }, data: { a: 1 } } as never);
    expect(errs.map((e) => e.field)).toEqual(["data[a]"]);
  });
});
