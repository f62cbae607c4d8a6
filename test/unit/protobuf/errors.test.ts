// Bodies skiff must refuse: malformed bytes (400) and kinds or encodings it does not decode (415).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeKubeProtobuf, KubeProtobufError } from "../../../src/api/protobuf/decode.ts";
import { readFields } from "../../../src/api/protobuf/wire.ts";
import { bytes, concat, envelope, int, msg, str, varint } from "./encode.ts";

function failure(body: Uint8Array): KubeProtobufError {
  try {
    decodeKubeProtobuf(body);
  } catch (e) {
    expect(e).toBeInstanceOf(KubeProtobufError);
    return e as KubeProtobufError;
  }
  throw new Error("decoding succeeded");
}

const captured = new Uint8Array(readFileSync(join(import.meta.dir, "../../fixtures/protobuf/deployment.bin")));

describe("malformed bodies", () => {
  test("JSON sent under the protobuf content type", () => {
    const e = failure(new TextEncoder().encode('{"kind":"ConfigMap"}'));
    expect(e.reason).toBe("malformed");
    expect(e.message).toContain("k8s\\0");
  });

  test("every cut of a real kubectl body inside a field is refused, never misread", () => {
    // Cutting exactly between two top-level envelope fields leaves valid protobuf (a shorter
    // Unknown); every other cut lands inside a length-prefixed field and must be refused.
    const boundaries = new Set<number>();
    let at = 4;
    for (const f of readFields(captured.subarray(4))) {
      at += f.wire === 2 ? varint(f.field << 3).length + varint(f.bytes.length).length + f.bytes.length : 0;
      boundaries.add(at);
    }
    expect(at).toBe(captured.length);
    for (let n = 5; n < captured.length; n++) {
      if (boundaries.has(n)) {
        expect(decodeKubeProtobuf(captured.subarray(0, n)).kind).toBe("Deployment");
      } else {
        expect(() => decodeKubeProtobuf(captured.subarray(0, n))).toThrow(KubeProtobufError);
      }
    }
  });

  test("a field with the wrong wire type names the field", () => {
    // ObjectMeta.name=1 sent as a varint
    const e = failure(envelope("v1", "ConfigMap", msg(1, int(1, 5))));
    expect(e.reason).toBe("malformed");
    expect(e.message).toContain("meta/v1.ObjectMeta.name");
  });

  test("a string that is not UTF-8", () => {
    const e = failure(envelope("v1", "Namespace", msg(1, bytes(1, new Uint8Array([0xc3, 0x28])))));
    expect(e.reason).toBe("malformed");
    expect(e.message).toContain("UTF-8");
  });

  test("a length running past the end, an overlong varint, a group wire type", () => {
    const magic = new Uint8Array([0x6b, 0x38, 0x73, 0x00]);
    expect(failure(concat(magic, new Uint8Array([0x12, 0x7f, 0x01]))).reason).toBe("malformed");
    expect(failure(concat(magic, new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).reason).toBe("malformed");
    expect(failure(concat(magic, new Uint8Array([0x0b]))).reason).toBe("malformed");
  });

  test("a timestamp outside years 0000-9999", () => {
    const e = failure(envelope("v1", "Event", msg(6, int(1, 400_000_000_000))));
    expect(e.reason).toBe("malformed");
  });

  test("an envelope without a kind", () => {
    expect(failure(envelope("v1", "", msg(1))).reason).toBe("malformed");
  });
});

describe("unsupported bodies", () => {
  test("a kind skiff does not serve names the kind", () => {
    const e = failure(envelope("node.k8s.io/v1", "RuntimeClass", msg(1, str(1, "j"))));
    expect(e.reason).toBe("unsupported");
    expect(e.message).toContain("RuntimeClass");
  });

  test("a served kind under the wrong group version", () => {
    expect(failure(envelope("extensions/v1beta1", "Deployment", msg(1))).reason).toBe("unsupported");
  });

  test("a compressed raw object", () => {
    const e = failure(envelope("v1", "ConfigMap", msg(1), str(3, "gzip")));
    expect(e.reason).toBe("unsupported");
    expect(e.message).toContain("gzip");
  });
});
