// A tiny protobuf writer for building test bodies field by field.

export type Part = Uint8Array;

export function varint(n: bigint | number): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return new Uint8Array(out);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const key = (field: number, wire: number) => varint((field << 3) | wire);

export const int = (field: number, n: bigint | number) => concat(key(field, 0), varint(n));
export const bool = (field: number, b: boolean) => int(field, b ? 1 : 0);
export const bytes = (field: number, b: Uint8Array) => concat(key(field, 2), varint(b.length), b);
export const str = (field: number, s: string) => bytes(field, new TextEncoder().encode(s));
export const msg = (field: number, ...parts: Uint8Array[]) => bytes(field, concat(...parts));
export const entry = (field: number, k: string, value: Uint8Array) => msg(field, str(1, k), value);

export function fixed64(field: number, v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return concat(key(field, 1), b);
}

/** "k8s\0" + runtime.Unknown{typeMeta{apiVersion, kind}, raw}. */
export function envelope(apiVersion: string, kind: string, raw: Uint8Array, extra: Uint8Array = new Uint8Array()): Uint8Array {
  return concat(new Uint8Array([0x6b, 0x38, 0x73, 0x00]), msg(1, str(1, apiVersion), str(2, kind)), bytes(2, raw), extra);
}
