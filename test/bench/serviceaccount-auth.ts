// What a service account token costs per request (run: NODE_EXTRA_CA_CERTS=test/fixtures/pki/ca.crt
// bun test/bench/serviceaccount-auth.ts [requests]): the authenticator alone (a token seen before,
// whose signature check is remembered, and a new one, one RSA-2048 verification), signing one, and
// GET /api over HTTPS with a service account token beside the admin token, same server, same run.
import { join } from "node:path";
import { startTestServer, apiFetch } from "../support/server.ts";
import { ServiceAccountTokenSigner, claimsFor } from "../../src/server/auth/service-account-tokens.ts";
import { serviceAccountAuthenticator } from "../../src/server/auth/service-account-token-request.ts";

const requests = Number(process.argv[2] ?? 2000);
const server = await startTestServer({ runControllers: true });
try {
  const saKind = server.registry.kindOf("v1", "ServiceAccount")!;
  for (let i = 0; i < 100 && !server.registry.tryGet(saKind, "default", "default"); i++) await Bun.sleep(50);
  const sa = server.registry.tryGet(saKind, "default", "default")!;
  const signer = await ServiceAccountTokenSigner.open(join(server.dataDir, "server"));
  const grant = { namespace: "default", serviceAccount: { name: "default", uid: sa.metadata.uid! }, expirationSeconds: 3600 };
  const authenticate = serviceAccountAuthenticator(server.registry, signer);

  const micro = async (label: string, n: number, run: () => unknown | Promise<unknown>) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) await run();
    const us = ((performance.now() - start) * 1000) / n;
    console.log(`${label.padEnd(52)} ${us.toFixed(1).padStart(8)} µs`);
    return us;
  };
  const fresh = await Promise.all(Array.from({ length: 500 }, () => signer.sign(claimsFor(grant))));
  const seen = fresh[0]!;
  authenticate(seen);
  await micro("sign a token (jose, RS256)", 200, () => signer.sign(claimsFor(grant)));
  let k = 0;
  await micro("authenticate a new token (RSA verify + lookups)", fresh.length - 1, () => authenticate(fresh[++k]!));
  await micro("authenticate a token seen before (lookups)", 20_000, () => authenticate(seen));

  const token = ((await (await apiFetch(server, "/api/v1/namespaces/default/serviceaccounts/default/token", { method: "POST", body: JSON.stringify({ spec: {} }) })).json()) as { status: { token: string } }).status.token;
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p99 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!;
  const admin: number[] = [];
  const sat: number[] = [];
  for (let i = 0; i < requests; i++) {
    for (const [t, into] of [[server.adminToken, admin], [token, sat]] as const) {
      const start = performance.now();
      const r = await apiFetch(server, "/api", { token: t });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`GET /api answered ${r.status}`);
      into.push(performance.now() - start);
    }
  }
  console.log(`GET /api over HTTPS, ${requests} each, interleaved:`);
  console.log(`  admin token            median ${median(admin).toFixed(3)} ms  p99 ${p99(admin).toFixed(3)} ms`);
  console.log(`  service account token  median ${median(sat).toFixed(3)} ms  p99 ${p99(sat).toFixed(3)} ms  (median ratio ${(median(sat) / median(admin)).toFixed(2)}x)`);
} finally {
  await server.cleanup();
}
