// A route for the service CIDR, so ClusterIPs answer on a node with no default route (an
// offline edge device). The kernel looks a route up when a socket connects, before the nat
// OUTPUT hook gets to DNAT the packet: with no route at all that is ENETUNREACH. A `local`
// route on lo (table local) exists whatever devices the node has (the pod bridge only
// appears with the first pod); the DNAT then sends the connection to a backend and the
// kernel routes it again. It is what kube-proxy's IPVS mode gets by putting every ClusterIP
// on a device of the node. Traffic to a ClusterIP port no Service has stays on the node
// instead of leaving by a default route. Pods need nothing: their packets are DNATed in
// prerouting, before any route lookup.
import { runTool, tryTool, type CommandPrefix } from "./command.ts";
import { ROUTE_PROTO } from "./overlay.ts";

/** The server's default, for credentials stored before the join response carried it. */
export const DEFAULT_SERVICE_CIDR = "10.43.0.0/16";

const routeArgs = (serviceCidr: string) => ["local", serviceCidr, "dev", "lo", "table", "local", "proto", String(ROUTE_PROTO)];

export async function ensureServiceRoute(serviceCidr: string, prefix?: CommandPrefix): Promise<void> {
  await runTool(prefix, ["ip", "route", "replace", ...routeArgs(serviceCidr)]);
}

/** Removes every service route skiff made, whatever CIDR it was for (`skiff killall`). */
export async function removeServiceRoutes(prefix?: CommandPrefix): Promise<void> {
  await tryTool(prefix, ["ip", "route", "flush", "table", "local", "proto", String(ROUTE_PROTO)]);
}
