// The agent's client across several servers, against real HTTPS servers on loopback signed by
// the test CA: a dead server or one answering 503 sends the request to the next; servers are
// learned from the kubernetes Endpoints; --server values are checked.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ApiClient, resources } from "../../../src/client/api-client.ts";
import { parseServerFlags, refreshServers } from "../../../src/agent/server-list.ts";
import { issueServingCert } from "../../../src/server/pki/ca.ts";
import { freePort, seedTestCa, tempDir } from "../../support/server.ts";

let dir = "";
let caPem = "";
let tls: { cert: string; key: string };
const running: ReturnType<typeof Bun.serve>[] = [];

/** An HTTPS server on loopback answering every request with `answer`; counts what it got. */
function serve(answer: (req: Request) => Response) {
  const hits: string[] = [];
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, tls, fetch: (req) => (hits.push(new URL(req.url).pathname), answer(req)) });
  running.push(server);
  return { url: `https://127.0.0.1:${server.port}`, hits, server };
}

beforeAll(async () => {
  dir = tempDir();
  seedTestCa(dir);
  caPem = readFileSync(join(dir, "server", "tls", "ca.crt"), "utf8");
  const cert = await issueServingCert(join(dir, "server"), "localhost");
  tls = { cert: cert.certPem, key: cert.keyPem };
});
afterAll(() => {
  for (const s of running) s.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

const node = { metadata: { name: "n1" } };

describe("agent client over several servers", () => {
  test("a server that refuses connections is skipped, and the client stays on the one that answered", async () => {
    const dead = `https://127.0.0.1:${freePort()}`;
    const live = serve(() => Response.json(node));
    const client = new ApiClient([dead, live.url], "t", caPem);
    expect(await client.get(resources.nodes, undefined, "n1")).toEqual(node);
    expect(client.server).toBe(live.url);
    await client.get(resources.nodes, undefined, "n1");
    expect(live.hits.length).toBe(2);
  });

  test("503 (a server whose datastore is gone) moves the request to the next server; other errors do not", async () => {
    const unavailable = serve(() => Response.json({ kind: "Status", code: 503 }, { status: 503 }));
    const live = serve(() => Response.json(node));
    const client = new ApiClient([unavailable.url, live.url], "t", caPem);
    expect(await client.get(resources.nodes, undefined, "n1")).toEqual(node);
    expect(unavailable.hits.length).toBe(1);
    const missing = serve(() => Response.json({ kind: "Status", code: 404, reason: "NotFound", message: "nodes \"x\" not found" }, { status: 404 }));
    const other = serve(() => Response.json(node));
    const strict = new ApiClient([missing.url, other.url], "t", caPem);
    await expect(strict.get(resources.nodes, undefined, "x")).rejects.toMatchObject({ code: 404 });
    expect(other.hits.length).toBe(0);
  });

  test("with every server down the request fails", async () => {
    const client = new ApiClient([`https://127.0.0.1:${freePort()}`, `https://127.0.0.1:${freePort()}`], "t", caPem);
    await expect(client.get(resources.nodes, undefined, "n1")).rejects.toBeDefined();
  });

  test("servers are learned from the kubernetes Endpoints, the given ones first", async () => {
    const given = serve((req) =>
      new URL(req.url).pathname === "/api/v1/namespaces/default/endpoints/kubernetes"
        ? Response.json({ subsets: [{ addresses: [{ ip: "127.0.0.1" }], ports: [{ name: "https", port: 7001 }] }, { addresses: [{ ip: "127.0.0.2" }, { ip: "127.0.0.1" }], ports: [{ name: "https", port: 7002 }] }] })
        : Response.json(node),
    );
    const client = new ApiClient(given.url, "t", caPem);
    await refreshServers(client, [given.url]);
    expect(client.knownServers).toEqual([given.url, "https://127.0.0.1:7001", "https://127.0.0.2:7002", "https://127.0.0.1:7002"]);
    expect(client.server).toBe(given.url);
  });

  test("--server takes repeated flags and comma lists, each once; anything but https:// URLs is refused", () => {
    expect(parseServerFlags(["https://a:6443,https://b:6443/", "https://c:6443", "https://a:6443"])).toEqual(["https://a:6443", "https://b:6443", "https://c:6443"]);
    expect(() => parseServerFlags(["http://a:6443"])).toThrow(/https/);
    expect(() => parseServerFlags(["not a url"])).toThrow(/not a URL/);
  });
});
