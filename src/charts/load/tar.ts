// Reading a gzipped tar archive into memory (charts are small), with Helm's path
// safety rules: no absolute paths, nothing outside the archive's root folder.
import { gunzipSync } from "node:zlib";

export interface TarEntry { name: string; data: Uint8Array }

export class ArchiveError extends Error {}

function field(buf: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && buf[end] !== 0) end++;
  return new TextDecoder().decode(buf.subarray(off, end));
}

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const text = new TextDecoder().decode(data);
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(" ", i);
    if (sp < 0) break;
    const len = Number(text.slice(i, sp));
    if (!len) break;
    const rec = text.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Regular files of a .tar.gz (or plain .tar), in archive order. */
export function readTarGz(bytes: Uint8Array): TarEntry[] {
  let buf: Uint8Array;
  try {
    buf = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  } catch (e) {
    throw new ArchiveError(`gzip: invalid header`);
  }
  const out: TarEntry[] = [];
  let off = 0;
  let longName: string | null = null;
  let pax: Record<string, string> = {};
  while (off + 512 <= buf.length) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    let name = field(header, 0, 100);
    const size = parseInt(field(header, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156] || 48);
    const magic = field(header, 257, 6);
    const prefix = magic.startsWith("ustar") ? field(header, 345, 155) : "";
    if (prefix) name = `${prefix}/${name}`;
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === "L") { longName = field(data, 0, data.length); continue; }
    if (type === "x") { pax = parsePax(data); continue; }
    if (type === "g") continue;
    if (longName) { name = longName; longName = null; }
    if (pax.path) name = pax.path;
    pax = {};
    if (type !== "0" && type !== "\0" && type !== "7") continue;
    out.push({ name, data: new Uint8Array(data) });
  }
  return out;
}

/** Archive entries as chart files: the first path segment (the chart's folder) removed, Helm's checks applied. */
export function chartFilesFromArchive(bytes: Uint8Array): TarEntry[] {
  const files: TarEntry[] = [];
  for (const e of readTarGz(bytes)) {
    const parts = e.name.replaceAll("\\", "/").split("/");
    if (parts[0] === "Chart.yaml") throw new ArchiveError("chart yaml not in base directory");
    let n = parts.slice(1).join("/");
    if (n.startsWith("/")) throw new ArchiveError("chart illegally contains absolute paths");
    n = cleanPath(n);
    if (n === ".") throw new ArchiveError(`chart illegally contains content outside the base directory: ${JSON.stringify(e.name)}`);
    if (n.startsWith("..")) throw new ArchiveError("chart illegally references parent directory");
    files.push({ name: n, data: e.data });
  }
  return files;
}

/** Go's path.Clean for relative paths. */
export function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else out.push("..");
    } else out.push(seg);
  }
  return out.length ? out.join("/") : ".";
}
