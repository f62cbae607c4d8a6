// What RBAC authorization costs (run: NODE_EXTRA_CA_CERTS=test/fixtures/pki/ca.crt
// bun test/bench/rbac.ts [creates] [bindings]): a cluster holding [bindings] RoleBindings
// (1,000 by default, for as many users over ten namespaces, plus ClusterRoleBindings of the
// defaults), then ConfigMap creates over HTTPS by a user whom one RoleBinding to `edit`
// allows, interleaved with the same creates by the admin (system:masters, decided without
// RBAC), same server, same run; and the decision alone, in µs, for both.
import { startTestServer, apiFetch } from "../support/server.ts";
import { newUserToken } from "../../src/server/auth/user-tokens.ts";
import { Authorizer } from "../../src/server/auth/authorizer.ts";
import { requestAttributes } from "../../src/api/http/request-attributes.ts";
import { summarize } from "./lib/stats.ts";

const [creates = 2000, bindings = 1000] = process.argv.slice(2).map(Number);
const RBAC = "rbac.authorization.k8s.io";
const NAMESPACES = Array.from({ length: 10 }, (_, i) => `team-${i}`);
const server = await startTestServer();
const must = async (r: Promise<Response>, status: number, what: string) => {
  const res = await r;
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res;
};
try {
  for (const ns of NAMESPACES) await must(apiFetch(server, "/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: ns } }) }), 201, `namespace ${ns}`);
  const t0 = performance.now();
  for (let i = 0; i < bindings; i++) {
    const ns = NAMESPACES[i % NAMESPACES.length]!;
    const body = { metadata: { name: `user-${i}-edit` }, roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: i % 3 === 0 ? "view" : "edit" }, subjects: [{ kind: "User", apiGroup: RBAC, name: `user-${i}` }, { kind: "Group", apiGroup: RBAC, name: `group-${i % 50}` }] };
    await must(apiFetch(server, `/apis/${RBAC}/v1/namespaces/${ns}/rolebindings`, { method: "POST", body: JSON.stringify(body) }), 201, `rolebinding ${i}`);
  }
  console.log(`${bindings} RoleBindings over ${NAMESPACES.length} namespaces made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // The benchmark user is one of them: user-1 holds `edit` in team-1.
  const user = "user-1";
  const ns = NAMESPACES[1]!;
  const { token, secret } = newUserToken(user);
  await must(apiFetch(server, "/api/v1/namespaces/kube-system/secrets", { method: "POST", body: JSON.stringify(secret) }), 201, "user token");
  await must(apiFetch(server, `/api/v1/namespaces/${ns}/configmaps`, { method: "POST", token, body: JSON.stringify({ metadata: { name: "warm-up" }, data: { a: "b" } }) }), 201, "user create");
  await must(apiFetch(server, `/api/v1/namespaces/${NAMESPACES[2]}/configmaps`, { method: "POST", token, body: JSON.stringify({ metadata: { name: "x" } }) }), 403, "user create elsewhere");

  // The decision alone, from the same kind of index the server keeps.
  const authz = new Authorizer(server.registry);
  const attrs = requestAttributes("POST", `/api/v1/namespaces/${ns}/configmaps`, new URLSearchParams());
  const micro = (label: string, who: { name: string; groups: string[] }, n = 200_000) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) if (!authz.decide(who, attrs).allowed) throw new Error(`${label} not allowed`);
    const us = ((performance.now() - start) * 1000) / n;
    console.log(`decide create configmaps: ${label.padEnd(34)} ${us.toFixed(3).padStart(7)} µs`);
    return us;
  };
  micro("admin (system:masters)", { name: "system:admin", groups: ["system:masters", "system:authenticated"] });
  micro("user bound by a RoleBinding", { name: user, groups: ["system:authenticated"] });
  micro("user bound through a group", { name: "nobody", groups: ["group-1", "system:authenticated"] }, 100_000);
  authz.stop();

  // Three series interleaved in rotating order: the admin twice (their difference is the noise
  // of this machine at this moment) and the user.
  const series = [
    { label: "admin (system:masters bypass)", token: server.adminToken, who: "admin", ms: [] as number[] },
    { label: "admin again (noise baseline)", token: server.adminToken, who: "admin2", ms: [] as number[] },
    { label: "user authorized by a RoleBinding", token, who: "user", ms: [] as number[] },
  ];
  for (let i = 0; i < creates; i++) {
    for (let k = 0; k < series.length; k++) {
      const s = series[(i + k) % series.length]!;
      const body = JSON.stringify({ metadata: { name: `${s.who}-${i}` }, data: { n: String(i) } });
      const start = performance.now();
      const r = await apiFetch(server, `/api/v1/namespaces/${ns}/configmaps`, { method: "POST", token: s.token, body });
      await r.arrayBuffer();
      if (r.status !== 201) throw new Error(`create as ${s.who} answered ${r.status}`);
      s.ms.push(performance.now() - start);
    }
  }
  const [a, a2, u] = series.map((s) => summarize(s.ms)) as [ReturnType<typeof summarize>, ReturnType<typeof summarize>, ReturnType<typeof summarize>];
  console.log(`ConfigMap create over HTTPS, ${creates} each, interleaved, ${bindings} RoleBindings in the cluster:`);
  series.forEach((s, i) => console.log(`  ${s.label.padEnd(34)} p50 ${[a, a2, u][i]!.p50.toFixed(3)} ms  p99 ${[a, a2, u][i]!.p99.toFixed(3)} ms`));
  console.log(`  ratio admin again/admin: p50 ${(a2.p50 / a.p50).toFixed(3)}x  p99 ${(a2.p99 / a.p99).toFixed(3)}x  (what noise alone does)`);
  console.log(`  ratio user/admin:        p50 ${(u.p50 / a.p50).toFixed(3)}x  p99 ${(u.p99 / a.p99).toFixed(3)}x  (goal: p99 ≤ 1.10x)`);
} finally {
  await server.cleanup();
}
