// `skiff token create|list|delete`: extra join tokens with an expiry (bootstrap tokens).
import { resources } from "../client/api-client.ts";
import { tokenOf, TOKEN_NAMESPACE } from "../server/auth/tokens.ts";
import { formatJoinToken } from "../server/pki/token.ts";
import { adminClient } from "./admin-client.ts";
import { parseFlags, UsageError } from "./flags.ts";

const help = `Usage:
  skiff token create [--ttl 24h] [--description TEXT]   print a new join token
  skiff token list                                      list join tokens
  skiff token delete ID                                 delete a join token
Flags: --data-dir DIR (the server's), --kubeconfig PATH
`;

export function parseDuration(s: string): number {
  const m = s.match(/^(\d+)(s|m|h|d)?$/);
  if (!m) throw new UsageError(`invalid duration "${s}" (examples: 90s, 30m, 24h, 7d)`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? "s") as "s"];
}

export async function run(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parseFlags(args, { "data-dir": { type: "string" }, kubeconfig: { type: "string" }, ttl: { type: "string" }, description: { type: "string" } }, true);
    const [sub, ...rest] = positionals;
    if (values.help || !sub) {
      process.stdout.write(help);
      return values.help ? 0 : 2;
    }
    const { client, caPem } = adminClient(values["data-dir"], values.kubeconfig);
    if (sub === "create") {
      const ttl = parseDuration(values.ttl ?? "24h");
      const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
      const random = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => alphabet[b % alphabet.length]).join("");
      const id = random(6);
      const secret = random(16);
      const stringData: Record<string, string> = { "token-id": id, "token-secret": secret, "usage-bootstrap-authentication": "true" };
      if (ttl > 0) stringData.expiration = new Date(Date.now() + ttl * 1000).toISOString().replace(/\.\d+Z$/, "Z");
      if (values.description) stringData.description = values.description;
      await client.create(resources.secrets, TOKEN_NAMESPACE, { metadata: { name: `bootstrap-token-${id}` }, type: "bootstrap.kubernetes.io/token", stringData });
      console.log(formatJoinToken(caPem, `${id}.${secret}`));
      return 0;
    }
    if (sub === "list") {
      const list = await client.list(resources.secrets, TOKEN_NAMESPACE, { fieldSelector: "type=bootstrap.kubernetes.io/token" });
      const rows = list.items.map(tokenOf).filter((t) => !!t);
      const lines = [["ID", "EXPIRES", "DESCRIPTION"], ...rows.map((t) => [t!.id, t!.expiration ?? "<never>", t!.description ?? ""])];
      const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
      for (const l of lines) console.log(l.map((c, i) => c.padEnd(widths[i]! + 3)).join("").trimEnd());
      return 0;
    }
    if (sub === "delete") {
      if (rest.length !== 1) throw new UsageError("token delete needs exactly one token ID");
      await client.delete(resources.secrets, TOKEN_NAMESPACE, `bootstrap-token-${rest[0]}`);
      console.log(`token ${rest[0]} deleted`);
      return 0;
    }
    throw new UsageError(`unknown token command "${sub}"`);
  } catch (e) {
    process.stderr.write(`skiff token: ${(e as Error).message}\n`);
    return 1;
  }
}
