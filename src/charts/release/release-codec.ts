// Helm's storage encoding of a release (pkg/storage/driver/util.go):
// base64(gzip(JSON)) on the way in; on the way out gunzip only when the gzip magic is there.
import { gunzipSync, gzipSync, constants } from "node:zlib";
import type { Release } from "./release-types.ts";

const GZIP_MAGIC = [0x1f, 0x8b, 0x08];

// Values from --set are Go ints (bigint here); Go's encoding/json writes them as numbers.
const goJson = (_k: string, v: unknown) => (typeof v === "bigint" ? Number(v) : v);

export function encodeRelease(rel: Release): string {
  const json = Buffer.from(JSON.stringify(rel, goJson), "utf8");
  return gzipSync(json, { level: constants.Z_BEST_COMPRESSION }).toString("base64");
}

export function decodeRelease(encoded: string): Release {
  let bytes = Buffer.from(encoded, "base64");
  if (bytes.length >= 3 && GZIP_MAGIC.every((b, i) => bytes[i] === b)) bytes = gunzipSync(bytes);
  return JSON.parse(bytes.toString("utf8")) as Release;
}
