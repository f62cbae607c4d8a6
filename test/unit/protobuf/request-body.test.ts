import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiError } from "../../../src/api/errors.ts";
import { protobufRequestObject } from "../../../src/api/protobuf/request-body.ts";
import { envelope, msg, str } from "./encode.ts";

function apiError(body: Uint8Array): ApiError {
  try {
    protobufRequestObject(body);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error("no error");
}

describe("protobuf request bodies at the API boundary", () => {
  test("a kubectl body becomes the object", () => {
    const body = new Uint8Array(readFileSync(join(import.meta.dir, "../../fixtures/protobuf/namespace.bin")));
    expect(protobufRequestObject(body)).toEqual({ kind: "Namespace", apiVersion: "v1", metadata: { name: "edge-site-7", creationTimestamp: null }, spec: {}, status: {} });
  });

  test("an empty body is no object", () => {
    expect(protobufRequestObject(new Uint8Array())).toBeUndefined();
  });

  test("malformed bytes are 400 BadRequest", () => {
    const e = apiError(new TextEncoder().encode("{}"));
    expect([e.code, e.reason]).toEqual([400, "BadRequest"]);
  });

  test("an unsupported kind is 415 UnsupportedMediaType naming the kind", () => {
    const e = apiError(envelope("node.k8s.io/v1", "RuntimeClass", msg(1, str(1, "c"))));
    expect([e.code, e.reason]).toEqual([415, "UnsupportedMediaType"]);
    expect(e.message).toContain("RuntimeClass");
  });
});
