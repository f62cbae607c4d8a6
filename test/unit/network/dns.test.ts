// Cluster DNS: the zone's answers, and the server over UDP and TCP on loopback, with
// forwarding to a stand-in upstream that is also on loopback.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import dgram from "node:dgram";
import net from "node:net";
import * as dns from "dns-packet";
import type { DecodedPacket as Packet, SrvAnswer, StringAnswer } from "dns-packet";
import { ClusterZone } from "../../../src/agent/network/dns-records.ts";
import { startDnsServer, upstreamsFromResolvConf, type RunningDnsServer } from "../../../src/agent/network/dns-server.ts";
import { podDnsConfig } from "../../../src/agent/network/cluster-dns.ts";
import type { EndpointSliceLike, ServiceLike } from "../../../src/agent/network/proxy-model.ts";

const services: ServiceLike[] = [
  { metadata: { namespace: "default", name: "web" }, spec: { clusterIP: "10.43.0.20", ports: [{ name: "http", protocol: "TCP", port: 80 }, { protocol: "TCP", port: 81 }] } },
  { metadata: { namespace: "data", name: "db" }, spec: { clusterIP: "None", ports: [{ name: "pg", protocol: "TCP", port: 5432 }] } },
  { metadata: { namespace: "default", name: "ext" }, spec: { type: "ExternalName", externalName: "example.org", ports: [] } as never },
];
const slices: EndpointSliceLike[] = [
  {
    metadata: { namespace: "data", name: "db-1", labels: { "kubernetes.io/service-name": "db" } },
    addressType: "IPv4",
    ports: [{ name: "pg", port: 5433, protocol: "TCP" }],
    endpoints: [
      { addresses: ["10.42.1.7"], conditions: { ready: true }, hostname: "db-0" },
      { addresses: ["10.42.2.8"], conditions: { ready: true } },
      { addresses: ["10.42.2.9"], conditions: { ready: false } },
    ],
  },
];
const zone = new ClusterZone(services, slices);

describe("cluster zone", () => {
  test("a Service name gives its ClusterIP; a headless one its ready pods", () => {
    const a = zone.lookup("web.default.svc.cluster.local.", "A");
    expect(a.kind === "answer" && a.answers.map((x) => (x as StringAnswer).data)).toEqual(["10.43.0.20"]);
    const h = zone.lookup("DB.data.svc.cluster.local", "A");
    expect(h.kind === "answer" && h.answers.map((x) => (x as StringAnswer).data)).toEqual(["10.42.1.7", "10.42.2.8"]);
    const pod = zone.lookup("db-0.db.data.svc.cluster.local", "A");
    expect(pod.kind === "answer" && (pod.answers[0] as StringAnswer).data).toBe("10.42.1.7");
    const dashed = zone.lookup("10-42-2-8.db.data.svc.cluster.local", "A");
    expect(dashed.kind === "answer" && (dashed.answers[0] as StringAnswer).data).toBe("10.42.2.8");
  });

  test("SRV records for named ports: the Service for a ClusterIP, each pod for headless", () => {
    const s = zone.lookup("_http._tcp.web.default.svc.cluster.local", "SRV");
    expect(s.kind).toBe("answer");
    if (s.kind !== "answer") return;
    expect((s.answers[0] as SrvAnswer).data).toMatchObject({ port: 80, target: "web.default.svc.cluster.local" });
    expect((s.additionals![0] as StringAnswer).data).toBe("10.43.0.20");
    const h = zone.lookup("_pg._tcp.db.data.svc.cluster.local", "SRV");
    if (h.kind !== "answer") throw new Error(`expected an answer, got ${h.kind}`);
    expect(h.answers.map((x) => (x as SrvAnswer).data.target)).toEqual(["db-0.db.data.svc.cluster.local", "10-42-2-8.db.data.svc.cluster.local"]);
    expect(h.answers.map((x) => (x as SrvAnswer).data.port)).toEqual([5433, 5433]);
    expect(zone.lookup("_nope._tcp.web.default.svc.cluster.local", "SRV").kind).toBe("nxdomain");
  });

  test("unknown cluster names are NXDOMAIN, other types NODATA, outside names forwarded", () => {
    expect(zone.lookup("nothere.default.svc.cluster.local", "A").kind).toBe("nxdomain");
    expect(zone.lookup("web.default.svc.cluster.local", "AAAA").kind).toBe("nodata");
    expect(zone.lookup("example.org", "A").kind).toBe("forward");
    const c = zone.lookup("ext.default.svc.cluster.local", "A");
    expect(c.kind === "answer" && c.answers[0]!.type).toBe("CNAME");
  });

  test("resolv.conf parsing and the pods' DNS settings", () => {
    expect(upstreamsFromResolvConf("# x\nnameserver 10.43.0.10\nnameserver 192.0.2.53\nnameserver ::1\nsearch a\n", ["10.43.0.10"])).toEqual(["192.0.2.53"]);
    expect(podDnsConfig("shop")).toEqual({ nameservers: ["10.43.0.10"], searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"], options: ["ndots:5"] });
  });
});

describe("DNS server on loopback", () => {
  let server: RunningDnsServer;
  let upstream: dgram.Socket;
  let upstreamQueries = 0;

  beforeAll(async () => {
    // A stand-in upstream resolver that knows one name.
    upstream = dgram.createSocket("udp4");
    upstream.on("message", (msg, r) => {
      upstreamQueries++;
      const q = dns.decode(msg);
      const answers = q.questions?.[0]?.name === "outside.example" ? [{ type: "A" as const, name: "outside.example", ttl: 60, data: "192.0.2.7" }] : [];
      upstream.send(dns.encode({ id: q.id, type: "response", flags: dns.RECURSION_AVAILABLE, questions: q.questions, answers }), r.port, r.address);
    });
    await new Promise<void>((res) => upstream.bind(0, "127.0.0.1", () => res()));
    server = await startDnsServer({ address: "127.0.0.1", port: 0, zone: () => zone, upstreams: [`127.0.0.1:${upstream.address().port}`] });
  });

  afterAll(async () => {
    await server?.stop();
    upstream?.close();
  });

  const udpQuery = (name: string, type: "A" | "SRV" | "AAAA" = "A"): Promise<Packet> =>
    new Promise((resolve, reject) => {
      const s = dgram.createSocket("udp4");
      const timer = setTimeout(() => {
        s.close();
        reject(new Error("no answer"));
      }, 3000);
      s.on("message", (m) => {
        clearTimeout(timer);
        s.close();
        resolve(dns.decode(m));
      });
      s.send(dns.encode({ type: "query", id: 4242, flags: dns.RECURSION_DESIRED, questions: [{ type, name }] }), server.port, "127.0.0.1");
    });

  test("answers cluster names over UDP with the query's id", async () => {
    const r = await udpQuery("web.default.svc.cluster.local");
    expect(r.id).toBe(4242);
    expect((r as Packet & { rcode?: string }).rcode).toBe("NOERROR");
    expect(r.flag_aa).toBe(true);
    expect((r.answers![0] as StringAnswer).data).toBe("10.43.0.20");
  });

  test("NXDOMAIN with the zone's SOA for unknown cluster names", async () => {
    const r = await udpQuery("gone.default.svc.cluster.local");
    expect((r as Packet & { rcode?: string }).rcode).toBe("NXDOMAIN");
    expect(r.authorities?.[0]?.type).toBe("SOA");
  });

  test("other names go to the upstream and its answer comes back", async () => {
    const before = upstreamQueries;
    const r = await udpQuery("outside.example");
    expect(upstreamQueries).toBe(before + 1);
    expect((r.answers![0] as StringAnswer).data).toBe("192.0.2.7");
    await udpQuery("web.default.svc.cluster.local");
    expect(upstreamQueries).toBe(before + 1); // cluster names never leave
  });

  test("answers over TCP too", async () => {
    const reply = await new Promise<Packet>((resolve, reject) => {
      const c = net.connect(server.port, "127.0.0.1");
      let buf = Buffer.alloc(0);
      c.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          c.end();
          resolve(dns.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        }
      });
      c.on("error", reject);
      const msg = dns.encode({ type: "query", id: 7, flags: dns.RECURSION_DESIRED, questions: [{ type: "SRV", name: "_pg._tcp.db.data.svc.cluster.local" }] });
      const head = Buffer.alloc(2);
      head.writeUInt16BE(msg.length);
      c.write(Buffer.concat([head, msg]));
    });
    expect(reply.id).toBe(7);
    expect(reply.answers).toHaveLength(2);
    expect(reply.additionals?.map((a) => (a as StringAnswer).data)).toEqual(["10.42.1.7", "10.42.2.8"]);
  });
});
