// `kubectl delete node` of a server removes its etcd member: the leader, once, for a node
// labelled with the etcd role whose name is a member's name.
import type { Registry } from "../../api/registry/registry.ts";
import type { EtcdClient } from "../../store/etcd/client.ts";
import { listMembers } from "./member-join.ts";

/** Starts listening for deleted server nodes; returns the stop. */
export function removeMembersOfDeletedNodes(registry: Registry, client: EtcdClient, isLeader: () => boolean, log: (line: string) => void): () => void {
  return registry.subscribe((c) => {
    if (c.resource !== "nodes" || c.type !== "DELETED" || !isLeader() || c.object.metadata.labels?.["node-role.kubernetes.io/etcd"] !== "true") return;
    void removeMember(client, c.name).then(
      (removed) => removed && log(`skiff server: etcd member ${c.name} removed with its node`),
      (e) => log(`skiff server: cannot remove etcd member ${c.name}: ${(e as Error).message}`),
    );
  });
}

/**
 * Removes the member of that name, if there is one (a server's node was deleted). etcd
 * refuses while a member has been connected for less than 5 s ("unhealthy cluster"): tried
 * again every 2 s, for a minute at most.
 */
async function removeMember(client: EtcdClient, name: string): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const member = (await listMembers(client)).find((m) => m.name === name);
    if (!member?.ID) return false;
    try {
      await client.call("/v3/cluster/member/remove", { ID: member.ID });
      return true;
    } catch (e) {
      if (attempt >= 30 || !/unhealthy cluster/.test((e as Error).message)) throw e;
      await Bun.sleep(2000);
    }
  }
}
