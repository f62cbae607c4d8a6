// k3s's way to build an HA control plane: `skiff server --cluster-init` starts an etcd
// member of the server's own as the first of a new cluster; `skiff server --server URL
// --token T` has a running server add it as a member, takes the cluster's secrets from
// that answer and starts its member as part of the existing cluster. Either way the
// server's store is its own member first, then the others it knows of.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { adoptSealedSecrets } from "../cluster-secrets.ts";
import { parseJoinToken } from "../pki/token.ts";
import { EtcdMember, EtcdMemberError, etcdMemberLayout } from "./etcd-member.ts";
import { requestMembership } from "./member-join.ts";

export type EmbeddedEtcdOptions = {
  serverDir: string;
  nodeName: string;
  /** The address the member listens on and is reached at (the server's node address). */
  address: string;
  clusterInit: boolean;
  /** A running server of the cluster to join. */
  joinServer?: string;
  token?: string;
  /** Makes the cluster CA when there is none yet (the first server). */
  ensureCa: () => Promise<unknown>;
  log: (line: string) => void;
  signal?: AbortSignal;
};

export type EmbeddedEtcd = {
  member: EtcdMember;
  /** The store's connection: this member first. */
  datastore: { endpoint: string; cafile: string; certfile: string; keyfile: string };
};

export async function startEmbeddedEtcd(o: EmbeddedEtcdOptions): Promise<EmbeddedEtcd> {
  const layout = etcdMemberLayout(o.serverDir, o.address);
  // A member that started once follows its data dir: no new cluster, no second join.
  const started = existsSync(join(layout.dataDir, "member"));
  let member: EtcdMember;
  let others: string[] = [];
  if (o.joinServer && !started) {
    const token = o.token?.trim();
    const secret = token ? parseJoinToken(token)?.secret : undefined;
    if (!token || !secret) throw new EtcdMemberError("joining a server (--server) needs the first server's --token");
    const answer = await requestMembership(o.joinServer, token, { name: o.nodeName, peerUrl: layout.peerUrl, clientUrl: layout.clientUrl }, o.log);
    adoptSealedSecrets(o.serverDir, secret, answer.sealedSecrets);
    others = answer.clientUrls.filter((u) => u !== layout.clientUrl);
    member = new EtcdMember({ serverDir: o.serverDir, name: o.nodeName, address: o.address, initialCluster: { state: "existing", members: answer.initialCluster }, log: o.log });
  } else {
    await o.ensureCa();
    member = new EtcdMember({ serverDir: o.serverDir, name: o.nodeName, address: o.address, initialCluster: { state: "new" }, log: o.log });
  }
  try {
    await member.start(o.signal);
  } catch (e) {
    await member.stop();
    throw e;
  }
  return {
    member,
    datastore: { endpoint: [layout.clientUrl, ...others].join(","), cafile: layout.caFile, certfile: layout.clientCertFile, keyfile: layout.clientKeyFile },
  };
}
