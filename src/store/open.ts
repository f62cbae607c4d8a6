// Which store a server runs on, from --datastore-endpoint (k3s's rule): none is the embedded
// SQLite file; http:// or https:// URLs (comma-separated, one per member) are an etcd
// cluster; libsql:// and file: stay libsql (a libsql server without TLS: libsql://host?tls=0).
import { readFileSync } from "node:fs";
import type { Store, ValueCodec } from "./store-interface.ts";
import { Store as SqliteStore } from "./store.ts";
import { EtcdStore } from "./etcd/etcd-store.ts";
import type { EtcdTls } from "./etcd/client.ts";

export type DatastoreOptions = {
  /** --datastore-endpoint; undefined: the SQLite file at `defaultFile`. */
  endpoint?: string;
  defaultFile: string;
  /** libsql servers only. */
  token?: string;
  /** etcd only: k3s's --datastore-cafile, --datastore-certfile, --datastore-keyfile. */
  cafile?: string;
  certfile?: string;
  keyfile?: string;
  /** etcd only: where the keys live (default "/registry/"). */
  prefix?: string;
  codec?: ValueCodec;
  retainChanges?: number;
  retainMs?: number;
  log?: (line: string) => void;
};

/** A --datastore-endpoint that cannot be used as given. */
export class DatastoreConfigError extends Error {}

/** The etcd member URLs of an endpoint, or undefined when it names a libsql store. */
export function etcdEndpoints(endpoint: string | undefined): string[] | undefined {
  if (!endpoint) return undefined;
  const urls = endpoint.split(",").map((u) => u.trim()).filter(Boolean);
  const etcd = urls.filter((u) => /^https?:\/\//i.test(u));
  if (!etcd.length) {
    if (urls.length > 1) throw new DatastoreConfigError(`--datastore-endpoint: only etcd takes several URLs (http:// or https://), got ${endpoint}`);
    return undefined;
  }
  if (etcd.length !== urls.length) throw new DatastoreConfigError(`--datastore-endpoint: mixes etcd URLs (http://, https://) with others: ${endpoint}`);
  for (const u of etcd) {
    try {
      new URL(u);
    } catch {
      throw new DatastoreConfigError(`--datastore-endpoint: not a URL: ${u}`);
    }
  }
  return etcd;
}

function readPem(flag: string, path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new DatastoreConfigError(`--datastore-${flag} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function openStore(o: DatastoreOptions): Promise<Store> {
  const etcd = etcdEndpoints(o.endpoint);
  if (!etcd) {
    if (o.cafile || o.certfile || o.keyfile) throw new DatastoreConfigError("--datastore-cafile/--datastore-certfile/--datastore-keyfile are for an etcd --datastore-endpoint (http:// or https://)");
    return SqliteStore.open({ url: o.endpoint ?? `file:${o.defaultFile}`, authToken: o.token, codec: o.codec, retainChanges: o.retainChanges, retainMs: o.retainMs });
  }
  const { tls, prefix } = etcdConnection(o)!;
  return EtcdStore.open({ endpoints: etcd, tls, prefix, codec: o.codec, retainChanges: o.retainChanges, retainMs: o.retainMs, log: o.log });
}

/** The etcd members, TLS and key prefix the options name; undefined when the store is not etcd. */
export function etcdConnection(o: Omit<DatastoreOptions, "defaultFile">): { endpoints: string[]; tls: EtcdTls; prefix: string } | undefined {
  const endpoints = etcdEndpoints(o.endpoint);
  if (!endpoints) return undefined;
  if ((o.certfile === undefined) !== (o.keyfile === undefined)) throw new DatastoreConfigError("--datastore-certfile and --datastore-keyfile go together");
  const tls: EtcdTls = { ca: readPem("cafile", o.cafile), cert: readPem("certfile", o.certfile), key: readPem("keyfile", o.keyfile) };
  let prefix = o.prefix ?? "/registry/";
  if (!prefix.endsWith("/")) prefix += "/";
  return { endpoints, tls, prefix };
}
