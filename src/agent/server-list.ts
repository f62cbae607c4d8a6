// The servers an agent may talk to: those it was given (--server, repeated or a comma list)
// and those the `kubernetes` Endpoints name, as k3s's agent load balancer learns them, so an
// agent started with one server still fails over when that server is gone.
import { ApiClient, resources } from "../client/api-client.ts";

/** `--server` values: repeated flags and comma lists, trailing slashes dropped, each once. */
export function parseServerFlags(values: string[]): string[] {
  const urls = values.flatMap((v) => v.split(",")).map((u) => u.trim().replace(/\/+$/, "")).filter(Boolean);
  for (const u of urls) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new Error(`--server ${u} is not a URL (want https://HOST:PORT)`);
    }
    if (url.protocol !== "https:") throw new Error(`--server ${u} must be an https:// URL`);
  }
  return [...new Set(urls)];
}

type EndpointsSubset = { addresses?: { ip: string }[]; ports?: { name?: string; port: number }[] };

/** The API servers the `kubernetes` Endpoints in `default` name, as https:// URLs. */
export async function serversFromEndpoints(client: ApiClient): Promise<string[]> {
  const ep = await client.get<{ subsets?: EndpointsSubset[] }>(resources.endpoints, "default", "kubernetes");
  const urls: string[] = [];
  for (const s of ep.subsets ?? []) {
    const port = s.ports?.find((p) => p.name === "https")?.port ?? s.ports?.[0]?.port;
    if (!port) continue;
    for (const a of s.addresses ?? []) urls.push(`https://${a.ip.includes(":") ? `[${a.ip}]` : a.ip}:${port}`);
  }
  return urls;
}

/** Given servers first (in their order), then learned ones; the client keeps using the one it is on. */
export async function refreshServers(client: ApiClient, given: string[]): Promise<void> {
  const learned = await serversFromEndpoints(client);
  client.useServers([...given, ...learned.filter((u) => !given.includes(u))]);
}
