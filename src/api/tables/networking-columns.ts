// `kubectl get` for ingresses, ingressclasses, networkpolicies and poddisruptionbudgets, as
// upstream's printIngress, printIngressClass, printNetworkPolicy and printPodDisruptionBudget.
import type { TableColumn } from "../kinds/kind.ts";
import { ageColumn, col, nameColumn } from "./columns.ts";
import { labelSelectorToString } from "../selectors/label-selector.ts";

/** formatHosts: the rules' hosts, three at most, `*` when none names one. */
function ingressHosts(o: any): string {
  const rules: { host?: string }[] = o.spec?.rules ?? [];
  const max = 3;
  const hosts = rules.map((r) => r.host ?? "").filter(Boolean);
  const shown = rules.length > max ? rules.slice(0, max).map((r) => r.host ?? "").filter(Boolean) : hosts;
  if (!shown.length) return "*";
  return rules.length > max ? `${shown.join(",")} + ${rules.length - max} more...` : shown.join(",");
}

/** ingressLoadBalancerStatusStringer: addresses comma-joined, cut at 16 characters unless wide. */
function ingressAddress(o: any): string {
  const text = (o.status?.loadBalancer?.ingress ?? []).flatMap((i: { ip?: string; hostname?: string }) => (i.ip ? [i.ip] : i.hostname ? [i.hostname] : [])).join(",");
  return text.length > 16 ? `${text.slice(0, 13)}...` : text;
}

const intOrString = (v: unknown) => (v === undefined || v === null ? "N/A" : String(v));

export const ingressColumns: TableColumn[] = [
  nameColumn(),
  col("Class", "string", "The name of the IngressClass resource that should be used for this Ingress.", (o: any) => o.spec?.ingressClassName ?? "<none>"),
  col("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule", ingressHosts),
  col("Address", "string", "Address is a list containing ingress points for the load-balancer", ingressAddress),
  col("Ports", "string", "Ports of TLS configurations that open", (o: any) => (o.spec?.tls?.length ? "80, 443" : "80")),
  ageColumn(),
];

export const ingressClassColumns: TableColumn[] = [
  nameColumn(),
  col("Controller", "string", "Controller that is responsible for handling this class", (o: any) => o.spec?.controller ?? ""),
  col("Parameters", "string", "A reference to a resource with additional parameters", (o: any) => {
    const p = o.spec?.parameters;
    if (!p) return "<none>";
    return `${p.kind ?? ""}${p.apiGroup ? `.${p.apiGroup}` : ""}/${p.name ?? ""}`;
  }),
  ageColumn(),
];

export const networkPolicyColumns: TableColumn[] = [
  nameColumn(),
  col("Pod-Selector", "string", "Pod selector", (o: any) => labelSelectorToString(o.spec?.podSelector) || "<none>"),
  ageColumn(),
];

export const podDisruptionBudgetColumns: TableColumn[] = [
  nameColumn(),
  col("Min Available", "string", "The minimum number of pods that must be available", (o: any) => intOrString(o.spec?.minAvailable)),
  col("Max Unavailable", "string", "The maximum number of pods that may be unavailable", (o: any) => intOrString(o.spec?.maxUnavailable)),
  col("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time", (o: any) => o.status?.disruptionsAllowed ?? 0),
  ageColumn(),
];
