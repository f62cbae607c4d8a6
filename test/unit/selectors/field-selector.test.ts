import { test, expect, describe } from "bun:test";
import { parseFieldSelector, fieldMatcher } from "../../../src/api/selectors/index.ts";
import { podKind, eventKind, nodeKind, secretKind, namespaceKind, configMapKind } from "../../../src/api/kinds/index.ts";

const pod = (name: string, nodeName: string | undefined, phase: string) => ({ metadata: { name, namespace: "default" }, spec: { nodeName, restartPolicy: "Always", schedulerName: "default-scheduler", containers: [] }, status: { phase, podIP: "10.0.0.5" } });

describe("field selector parsing", () => {
  test("=, == and != terms, escapes", () => {
    expect(parseFieldSelector("spec.nodeName=n1,status.phase!=Failed,metadata.name==web")).toEqual([
      { field: "metadata.name", operator: "==", value: "web" },
      { field: "spec.nodeName", operator: "=", value: "n1" },
      { field: "status.phase", operator: "!=", value: "Failed" },
    ]);
    expect(parseFieldSelector("metadata.name=a\\,b")).toEqual([{ field: "metadata.name", operator: "=", value: "a,b" }]);
    expect(parseFieldSelector("")).toEqual([]);
  });

  test("a term without an operator is refused as upstream words it", () => {
    expect(() => parseFieldSelector("spec.nodeName")).toThrow("invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'");
  });
});

describe("field selectors per kind", () => {
  const pods = [pod("a", "n1", "Running"), pod("b", "n2", "Succeeded"), pod("c", undefined, "Pending")];
  const names = (sel: string) => pods.filter(fieldMatcher(podKind, sel)).map((p) => p.metadata.name);

  const cases: [string, string[]][] = [
    ["spec.nodeName=n1", ["a"]],
    ["spec.nodeName=", ["c"]],
    ["spec.nodeName=n2,status.phase!=Succeeded,status.phase!=Failed", []],
    ["status.phase=Running", ["a"]],
    ["metadata.name=b", ["b"]],
    ["metadata.namespace=default", ["a", "b", "c"]],
    ["spec.restartPolicy=Always", ["a", "b", "c"]],
    ["spec.schedulerName=other", []],
    ["status.podIP=10.0.0.5", ["a", "b", "c"]],
  ];
  for (const [sel, want] of cases) test(`pods ${sel}`, () => expect(names(sel)).toEqual(want));

  test("an unknown field is refused with upstream's message", () => {
    expect(() => fieldMatcher(podKind, "spec.image=x")).toThrow("field label not supported: spec.image");
    expect(() => fieldMatcher(configMapKind, "data.k=v")).toThrow("field label not supported: data.k");
  });

  test("events by involved object, reason, source and type", () => {
    const ev = { metadata: { name: "e", namespace: "default" }, involvedObject: { kind: "Pod", name: "web", namespace: "default", uid: "u1", apiVersion: "v1", fieldPath: "spec.containers{nginx}" }, reason: "Pulled", source: { component: "kubelet" }, type: "Normal" };
    expect(fieldMatcher(eventKind, "involvedObject.uid=u1,involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Pod")(ev as never)).toBe(true);
    expect(fieldMatcher(eventKind, "involvedObject.fieldPath=spec.containers{nginx},reason=Pulled,source=kubelet,type=Normal")(ev as never)).toBe(true);
    expect(fieldMatcher(eventKind, "involvedObject.kind=Node")(ev as never)).toBe(false);
  });

  test("secrets by type, nodes by spec.unschedulable, namespaces by status.phase", () => {
    expect(fieldMatcher(secretKind, "type=Opaque")({ metadata: { name: "s" }, type: "Opaque" } as never)).toBe(true);
    expect(fieldMatcher(nodeKind, "spec.unschedulable=false")({ metadata: { name: "n" }, spec: {} } as never)).toBe(true);
    expect(fieldMatcher(nodeKind, "spec.unschedulable=true")({ metadata: { name: "n" }, spec: { unschedulable: true } } as never)).toBe(true);
    expect(fieldMatcher(namespaceKind, "status.phase=Active")({ metadata: { name: "x" }, status: { phase: "Terminating" } } as never)).toBe(false);
  });
});
