// Live check against a second kubectl (v1.33, shipped in an npm package): its protobuf
// bodies, captured on loopback, decode to what its own --dry-run=client -o json prints.
import { describe, expect, test } from "bun:test";
import { decodeKubeProtobuf, KUBE_PROTOBUF_CONTENT_TYPE } from "../../../src/api/protobuf/decode.ts";
import { captureBodies, type Captured } from "../../fixtures/protobuf/capture-server.ts";
import { captures } from "../../fixtures/protobuf/commands.ts";
import { layerBinary } from "../../support/kubectl.ts";

describe("kubectl v1.33 protobuf bodies", () => {
  let results: Captured[] = [];

  test("kubectl sends every command's body as protobuf", async () => {
    results = await captureBodies(layerBinary("kubectl/kubectl"), captures);
    expect(results.map((r) => r.name)).toEqual(captures.map((c) => c.name));
    for (const r of results) expect(`${r.name}: ${r.contentType}`).toBe(`${r.name}: ${KUBE_PROTOBUF_CONTENT_TYPE}`);
  }, 120_000);

  test("each create body decodes to the dry-run JSON object", () => {
    const creates = results.filter((r) => r.dryRun !== undefined);
    expect(creates.length).toBe(captures.filter((c) => c.dryRunArgs).length);
    for (const r of creates) expect({ name: r.name, object: decodeKubeProtobuf(r.body).object }).toEqual({ name: r.name, object: r.dryRun as Record<string, unknown> });
  });

  test("drain's DELETE body is DeleteOptions with its grace period", () => {
    const drain = results.find((r) => r.name === "deleteoptions-drain")!;
    expect(drain.method).toBe("DELETE");
    const decoded = decodeKubeProtobuf(drain.body);
    expect(decoded.kind).toBe("DeleteOptions");
    const args = captures.find((c) => c.name === drain.name)!.args;
    expect(decoded.object.gracePeriodSeconds).toBe(Number(args.find((a) => a.startsWith("--grace-period="))!.split("=")[1]));
  });
});
