// Bodies captured from kubectl v1.32 (see test/fixtures/protobuf/capture.ts) must decode to
// exactly the object the same command prints with --dry-run=client -o json.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeKubeProtobuf } from "../../../src/api/protobuf/decode.ts";
import { captures } from "../../fixtures/protobuf/commands.ts";

const dir = join(import.meta.dir, "../../fixtures/protobuf");
const body = (name: string) => new Uint8Array(readFileSync(join(dir, `${name}.bin`)));

describe("kubectl create bodies", () => {
  for (const c of captures.filter((c) => c.dryRunArgs)) {
    test(`${c.name}: kubectl ${c.args.join(" ")}`, () => {
      const expected = JSON.parse(readFileSync(join(dir, `${c.name}.json`), "utf8"));
      const decoded = decodeKubeProtobuf(body(c.name));
      expect(decoded.kind).toBe(expected.kind);
      expect(decoded.apiVersion).toBe(expected.apiVersion);
      expect(decoded.object).toEqual(expected);
    });
  }

  test("every capture has its body and, for create, its JSON twin", () => {
    for (const c of captures) {
      expect(existsSync(join(dir, `${c.name}.bin`))).toBe(true);
      if (c.dryRunArgs) expect(existsSync(join(dir, `${c.name}.json`))).toBe(true);
    }
    expect(captures.length).toBeGreaterThanOrEqual(9);
  });

  test("configmap keeps an empty value and puts non-UTF-8 file content in binaryData", () => {
    const cm = decodeKubeProtobuf(body("configmap")).object as { data: Record<string, string>; binaryData: Record<string, string> };
    expect(cm.data.empty).toBe("");
    const input = readFileSync(join(dir, "binary-input.dat"));
    expect(Buffer.from(cm.binaryData.blob!, "base64").equals(input)).toBe(true);
  });

  test("service targetPort decodes as a number or a port name", () => {
    const svc = decodeKubeProtobuf(body("service-clusterip")).object as { spec: { ports: { targetPort: unknown }[] } };
    expect(svc.spec.ports.map((p) => p.targetPort)).toEqual([8080, "https"]);
  });
});

describe("drain's DELETE fallback", () => {
  const drain = captures.find((c) => c.name === "deleteoptions-drain")!;

  test("decodes to DeleteOptions carrying the --grace-period kubectl was given", () => {
    const grace = Number(drain.args.find((a) => a.startsWith("--grace-period="))!.split("=")[1]);
    const decoded = decodeKubeProtobuf(body("deleteoptions-drain"));
    expect(decoded.kind).toBe("DeleteOptions");
    expect(decoded.object).toEqual({ kind: "DeleteOptions", apiVersion: decoded.apiVersion, gracePeriodSeconds: grace });
  });
});
