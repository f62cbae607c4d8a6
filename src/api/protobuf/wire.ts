// A minimal protobuf wire-format reader: the four wire types Kubernetes uses
// (varint, 64-bit, length-delimited, 32-bit). Groups are not used by any Kubernetes
// message and are rejected. Every read is bounds-checked so a truncated or hostile body
// fails with a WireError instead of reading past the buffer.

export class WireError extends Error {}

export const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;

/** One field as it appears on the wire. `value` is a bigint for varints and fixed64. */
export type WireField =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 1; value: bigint; bytes: Uint8Array }
  | { field: number; wire: 2; bytes: Uint8Array }
  | { field: number; wire: 5; bytes: Uint8Array };

export function readVarint(buf: Uint8Array, pos: number): [value: bigint, next: number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new WireError(`truncated varint at byte ${pos}`);
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [BigInt.asUintN(64, result), pos];
    shift += 7n;
  }
  throw new WireError(`varint longer than 10 bytes at byte ${pos}`);
}

function take(buf: Uint8Array, pos: number, n: number, what: string): Uint8Array {
  if (n < 0 || pos + n > buf.length) throw new WireError(`truncated ${what} at byte ${pos}: need ${n} bytes, have ${buf.length - pos}`);
  return buf.subarray(pos, pos + n);
}

/** Splits one message into its fields, in wire order. */
export function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    pos = afterKey;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field < 1 || field > 0x1fffffff) throw new WireError(`invalid field number ${field} at byte ${pos}`);
    switch (wire) {
      case WireType.Varint: {
        const [value, next] = readVarint(buf, pos);
        out.push({ field, wire: 0, value });
        pos = next;
        break;
      }
      case WireType.Fixed64: {
        const bytes = take(buf, pos, 8, "fixed64");
        out.push({ field, wire: 1, bytes, value: new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true) });
        pos += 8;
        break;
      }
      case WireType.LengthDelimited: {
        const [len, next] = readVarint(buf, pos);
        if (len > BigInt(buf.length)) throw new WireError(`length ${len} at byte ${pos} exceeds the message`);
        const bytes = take(buf, next, Number(len), "length-delimited field");
        out.push({ field, wire: 2, bytes });
        pos = next + bytes.length;
        break;
      }
      case WireType.Fixed32:
        out.push({ field, wire: 5, bytes: take(buf, pos, 4, "fixed32") });
        pos += 4;
        break;
      default:
        throw new WireError(`unsupported wire type ${wire} for field ${field} at byte ${pos}`);
    }
  }
  return out;
}

/** Reads a packed run of varints (proto2 repeated scalars may arrive packed or not). */
export function readPackedVarints(buf: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [v, next] = readVarint(buf, pos);
    out.push(v);
    pos = next;
  }
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new WireError("a string field is not valid UTF-8");
  }
}
