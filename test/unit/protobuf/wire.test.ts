import { describe, expect, test } from "bun:test";
import { readFields, readPackedVarints, readVarint, WireError } from "../../../src/api/protobuf/wire.ts";
import { bytes, concat, fixed64, int, str, varint } from "./encode.ts";

describe("wire reader", () => {
  test("varints round-trip across widths, including 64-bit and negative", () => {
    for (const n of [0n, 1n, 127n, 128n, 300n, 2n ** 32n, 2n ** 63n - 1n, 2n ** 64n - 1n]) {
      const [v, next] = readVarint(varint(n), 0);
      expect(v).toBe(n);
      expect(next).toBe(varint(n).length);
    }
    expect(BigInt.asIntN(64, readVarint(varint(-1), 0)[0])).toBe(-1n);
    expect(varint(-1).length).toBe(10);
  });

  test("fields come back in wire order with their wire types", () => {
    const buf = concat(int(1, 150), str(2, "hi"), fixed64(3, 1.5), new Uint8Array([0x25, 1, 0, 0, 0]));
    const fields = readFields(buf);
    expect(fields.map((f) => [f.field, f.wire])).toEqual([[1, 0], [2, 2], [3, 1], [4, 5]]);
    expect(fields[0]!.wire === 0 && fields[0]!.value).toBe(150n);
    expect(fields[1]!.wire === 2 && new TextDecoder().decode(fields[1]!.bytes)).toBe("hi");
    expect(fields[3]!.wire === 5 && [...fields[3]!.bytes]).toEqual([1, 0, 0, 0]);
  });

  test("packed varints", () => {
    expect(readPackedVarints(concat(varint(3), varint(270), varint(86942)))).toEqual([3n, 270n, 86942n]);
  });

  test("truncation and bad keys throw WireError", () => {
    expect(() => readFields(new Uint8Array([0x08]))).toThrow(WireError);
    expect(() => readFields(new Uint8Array([0x08, 0x80]))).toThrow(WireError);
    expect(() => readFields(bytes(1, new Uint8Array(3)).subarray(0, 3))).toThrow(WireError);
    expect(() => readFields(new Uint8Array([0x09, 1, 2, 3]))).toThrow(WireError);
    expect(() => readFields(new Uint8Array([0x00, 0x00]))).toThrow(/field number 0/);
    expect(() => readFields(new Uint8Array([0x0c]))).toThrow(/wire type 4/);
  });
});
