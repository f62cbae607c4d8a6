// The cluster DNS server (CoreDNS's job), over UDP and TCP: cluster names from the
// current ClusterZone, everything else forwarded unchanged to the host's resolvers.
// dns-packet does the wire format.
import dgram from "node:dgram";
import net from "node:net";
import { readFileSync } from "node:fs";
import * as dns from "dns-packet";
import type { Packet } from "dns-packet";
import type { ClusterZone } from "./dns-records.ts";

export type DnsServerOptions = {
  /** Address to listen on: the cluster DNS address (10.43.0.10) on a node. */
  address: string;
  port?: number;
  /** The zone to answer from; called per query so updates apply at once. */
  zone: () => ClusterZone;
  /** Forward targets as "ip" or "ip:port"; default: nameservers of /etc/resolv.conf. */
  upstreams?: string[];
  forwardTimeoutMs?: number;
  tcp?: boolean;
  /**
   * SO_REUSEPORT: several servers (agents sharing one host) listen on the same address;
   * the kernel spreads queries over them and drops a server's sockets when it exits.
   */
  reusePort?: boolean;
};

export type RunningDnsServer = { address: string; port: number; stop(): Promise<void> };

/** nameserver lines of a resolv.conf, skipping the cluster's own address to avoid loops. */
export function upstreamsFromResolvConf(text: string, exclude: string[] = []): string[] {
  return text
    .split("\n")
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((ip): ip is string => !!ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip) && !exclude.includes(ip));
}

function readHostUpstreams(exclude: string[]): string[] {
  try {
    return upstreamsFromResolvConf(readFileSync("/etc/resolv.conf", "utf8"), exclude);
  } catch {
    return [];
  }
}

const SOA = (domain: string) => ({ type: "SOA" as const, name: domain, ttl: 5, data: { mname: `ns.dns.${domain}`, rname: `hostmaster.${domain}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } });

/** The answer to one query message, or undefined when it must be forwarded. */
export function answerQuery(query: Packet, zone: ClusterZone): Buffer | undefined {
  const q = query.questions?.[0];
  const base = { id: query.id, type: "response" as const, questions: query.questions ?? [] };
  if (!q) return dns.encode({ ...base, flags: dns.RECURSION_DESIRED | dns.RECURSION_AVAILABLE | 1 }); // FORMERR
  const r = zone.lookup(q.name, q.type);
  if (r.kind === "forward") return undefined;
  const flags = dns.AUTHORITATIVE_ANSWER | dns.RECURSION_AVAILABLE | ((query.flags ?? 0) & dns.RECURSION_DESIRED);
  if (r.kind === "answer") return dns.encode({ ...base, flags, answers: r.answers, additionals: r.additionals ?? [] });
  return dns.encode({ ...base, flags: flags | (r.kind === "nxdomain" ? 3 : 0), authorities: [SOA(zone.domain)] });
}

function servfail(query: Packet): Buffer {
  return dns.encode({ id: query.id, type: "response", flags: dns.RECURSION_AVAILABLE | ((query.flags ?? 0) & dns.RECURSION_DESIRED) | 2, questions: query.questions ?? [] });
}

/** Sends the query to each upstream in turn over UDP; the first reply wins. */
async function forward(raw: Buffer, upstreams: string[], timeoutMs: number): Promise<Buffer | undefined> {
  for (const u of upstreams) {
    const [host, port] = u.includes(":") ? [u.split(":")[0]!, Number(u.split(":")[1])] : [u, 53];
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      const sock = dgram.createSocket("udp4");
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (b: Buffer | undefined) => {
        clearTimeout(timer);
        sock.close();
        resolve(b);
      };
      sock.on("message", (msg) => done(msg));
      sock.on("error", () => done(undefined));
      sock.send(raw, port, host);
    });
    if (reply) return reply;
  }
  return undefined;
}

export async function startDnsServer(opts: DnsServerOptions): Promise<RunningDnsServer> {
  const upstreams = opts.upstreams ?? readHostUpstreams([opts.address]);
  const timeoutMs = opts.forwardTimeoutMs ?? 2000;

  const handle = async (raw: Buffer): Promise<Buffer | undefined> => {
    let query: Packet;
    try {
      query = dns.decode(raw);
    } catch {
      return undefined; // not DNS: drop, as servers do
    }
    try {
      const local = answerQuery(query, opts.zone());
      if (local) return local;
      return (await forward(raw, upstreams, timeoutMs)) ?? servfail(query);
    } catch {
      return servfail(query);
    }
  };

  const udp = dgram.createSocket({ type: "udp4", reusePort: opts.reusePort });
  udp.on("message", (msg, rinfo) => {
    void handle(msg).then((reply) => {
      if (reply) udp.send(reply, rinfo.port, rinfo.address);
    });
  });
  await new Promise<void>((resolve, reject) => {
    udp.once("error", (e) => {
      udp.close();
      reject(e);
    });
    udp.bind(opts.port ?? 53, opts.address, () => resolve());
  });
  const port = udp.address().port;

  // TCP: two-byte length prefix per message (RFC 1035 4.2.2).
  let tcp: net.Server | undefined;
  const connections = new Set<net.Socket>();
  if (opts.tcp !== false) {
    tcp = net.createServer((conn) => {
      connections.add(conn);
      conn.on("close", () => connections.delete(conn));
      let buf = Buffer.alloc(0);
      conn.on("data", (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const len = buf.readUInt16BE(0);
          const msg = buf.subarray(2, 2 + len);
          buf = buf.subarray(2 + len);
          void handle(Buffer.from(msg)).then((reply) => {
            if (!reply) return;
            const head = Buffer.alloc(2);
            head.writeUInt16BE(reply.length);
            conn.write(Buffer.concat([head, reply]));
          });
        }
      });
      conn.on("error", () => conn.destroy());
      conn.setTimeout(10_000, () => conn.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      tcp!.once("error", (e) => {
        udp.close();
        reject(e);
      });
      tcp!.listen({ port, host: opts.address, reusePort: opts.reusePort }, () => resolve());
    });
  }

  return {
    address: opts.address,
    port,
    async stop() {
      udp.close();
      // close() waits for open connections: a client idling on one must not hold up a stop.
      for (const c of connections) c.destroy();
      await new Promise<void>((resolve) => (tcp ? tcp.close(() => resolve()) : resolve()));
    },
  };
}
