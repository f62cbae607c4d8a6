// networking.k8s.io/v1 Ingress, IngressClass, NetworkPolicy and policy/v1 PodDisruptionBudget
// validation, worded as upstream's pkg/apis/networking/validation and pkg/apis/policy/validation.
import { BlockList, isIP } from "node:net";
import type { LabelSelector } from "kubernetes-types/meta/v1";
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { forbidden, invalidRendered, invalidValue, notSupported, required, tooLong } from "./field-errors.ts";
import { validateMeta } from "./object-meta.ts";
import { validateLabelSelector, goIntOrString, nonNegative } from "./apps.ts";
import { isDNS1035Label, isDNS1123Subdomain, isValidPortName, isValidPortNum, regexError } from "./names.ts";

const IMMUTABLE = "field is immutable";
const PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"];

const each = <T>(list: T[] | undefined, f: (item: T, i: number) => FieldError[]) => (list ?? []).flatMap(f);

/** IsWildcardDNS1123Subdomain: `*.` followed by a subdomain. */
function wildcardHostErrors(host: string): string[] {
  const fmt = "\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
  const errs: string[] = [];
  if (host.length > 253) errs.push("must be no more than 253 characters");
  if (!new RegExp(`^${fmt}$`).test(host)) errs.push(regexError("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character", fmt, "*.example.com"));
  return errs;
}

function validateBackend(backend: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (backend.resource && backend.service) return [invalidValue(path, "", "cannot set both resource and service backends")];
  if (backend.resource) {
    const r = backend.resource;
    if (!r.kind) errs.push(required(`${path}.resource.kind`, ""));
    if (!r.name) errs.push(required(`${path}.resource.name`, ""));
    if (r.apiGroup) for (const m of isDNS1123Subdomain(r.apiGroup)) errs.push(invalidValue(`${path}.resource.apiGroup`, r.apiGroup, m));
    return errs;
  }
  if (!backend.service) return [invalidValue(path, "", "resource or service backend is required")];
  const svc = backend.service;
  if (!svc.name) errs.push(required(`${path}.service.name`, ""));
  else for (const m of isDNS1035Label(svc.name)) errs.push(invalidValue(`${path}.service.name`, svc.name, m));
  const portName = svc.port?.name ?? "";
  const portNumber = svc.port?.number ?? 0;
  if (portName && portNumber) errs.push(invalidValue(path, "", "cannot set both port name & port number"));
  else if (portName) for (const m of isValidPortName(portName)) errs.push(invalidValue(`${path}.service.port.name`, portName, m));
  else if (portNumber) for (const m of isValidPortNum(portNumber)) errs.push(invalidValue(`${path}.service.port.number`, portNumber, m));
  else errs.push(required(path, "port name or number is required"));
  return errs;
}

function validateIngressPath(p: any, path: string): FieldError[] {
  if (p.pathType === undefined || p.pathType === null) return [required(`${path}.pathType`, "pathType must be specified")];
  const errs: FieldError[] = [];
  const value: string = p.path ?? "";
  if (p.pathType === "Exact" || p.pathType === "Prefix") {
    if (!value.startsWith("/")) errs.push(invalidValue(`${path}.path`, value, "must be an absolute path"));
    if (value) {
      for (const seq of ["//", "/./", "/../", "%2f", "%2F"]) if (value.includes(seq)) errs.push(invalidValue(`${path}.path`, value, `must not contain '${seq}'`));
      for (const suffix of ["/..", "/."]) if (value.endsWith(suffix)) errs.push(invalidValue(`${path}.path`, value, `cannot end with '${suffix}'`));
    }
  } else if (p.pathType === "ImplementationSpecific") {
    if (value && !value.startsWith("/")) errs.push(invalidValue(`${path}.path`, value, "must be an absolute path"));
  } else errs.push(notSupported(`${path}.pathType`, p.pathType, PATH_TYPES));
  errs.push(...validateBackend(p.backend ?? {}, `${path}.backend`));
  return errs;
}

export function validateIngress(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as any;
  const errs = validateMeta(obj, old, true);
  const rules: any[] = spec.rules ?? [];
  if (!rules.length && !spec.defaultBackend) errs.push(invalidRendered("spec", "[]networking.IngressRule(nil)", "either `defaultBackend` or `rules` must be specified"));
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, "spec.defaultBackend"));
  rules.forEach((rule, i) => {
    const host: string = rule.host ?? "";
    const hostPath = `spec.rules[${i}].host`;
    if (host) {
      if (isIP(host)) errs.push(invalidValue(hostPath, host, "must be a DNS name, not an IP address"));
      for (const m of host.includes("*") ? wildcardHostErrors(host) : isDNS1123Subdomain(host)) errs.push(invalidValue(hostPath, host, m));
    }
    if (rule.http) {
      const paths: any[] = rule.http.paths ?? [];
      if (!paths.length) errs.push(required(`spec.rules[${i}].http.paths`, ""));
      paths.forEach((p, j) => errs.push(...validateIngressPath(p, `spec.rules[${i}].http.paths[${j}]`)));
    }
  });
  each(spec.tls, (tls: any, i) => {
    each(tls.hosts, (host: string, j) => {
      const hostErrs = host.includes("*") ? wildcardHostErrors(host) : isDNS1123Subdomain(host);
      errs.push(...hostErrs.map((m) => invalidValue(`spec.tls[${i}].hosts[${j}]`, host, m)));
      return [];
    });
    return [];
  });
  if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) {
    for (const m of isDNS1123Subdomain(spec.ingressClassName)) errs.push(invalidValue("spec.ingressClassName", spec.ingressClassName, m));
  }
  return errs;
}

/** IsDomainPrefixedPath: `acme.io/foo`. */
function domainPrefixedPath(value: string, path: string): FieldError[] {
  if (!value) return [required(path, "")];
  const slash = value.indexOf("/");
  const host = slash < 0 ? "" : value.slice(0, slash);
  const rest = slash < 0 ? "" : value.slice(slash + 1);
  if (!host || !rest) return [invalidValue(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host).map((m) => invalidValue(path, host, m));
  const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
  if (!new RegExp(`^${httpPathFmt}$`).test(rest)) errs.push(invalidValue(path, rest, regexError("Invalid path", httpPathFmt)));
  return errs;
}

export function validateIngressClass(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as any;
  const errs = validateMeta(obj, old, false);
  if (old && spec.controller !== (old.spec as any)?.controller) errs.push(invalidValue("spec.controller", spec.controller ?? "", IMMUTABLE));
  const controller: string = spec.controller ?? "";
  if (controller.length > 250) errs.push(tooLong("spec.controller", 250));
  errs.push(...domainPrefixedPath(controller, "spec.controller"));
  const params = spec.parameters;
  if (params) {
    const p = "spec.parameters";
    if (!params.kind) errs.push(required(`${p}.kind`, ""));
    if (!params.name) errs.push(required(`${p}.name`, ""));
    if (params.apiGroup) for (const m of isDNS1123Subdomain(params.apiGroup)) errs.push(invalidValue(`${p}.apiGroup`, params.apiGroup, m));
    const scopes = ["Cluster", "Namespace"];
    if (params.scope === undefined || params.scope === null) errs.push(required(`${p}.scope`, ""));
    else if (!scopes.includes(params.scope)) errs.push(notSupported(`${p}.scope`, params.scope, scopes));
    else if (params.scope === "Namespace" && !params.namespace) errs.push(required(`${p}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else if (params.scope === "Cluster" && params.namespace) errs.push(forbidden(`${p}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

export function defaultIngressClass(obj: any): void {
  const params = obj.spec?.parameters;
  if (isObject(params) && params.scope == null) params.scope = "Cluster";
}

function validateNetworkPolicyPort(port: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const protocols = ["TCP", "UDP", "SCTP"];
  if (port.protocol != null && !protocols.includes(port.protocol)) errs.push(notSupported(`${path}.protocol`, port.protocol, protocols));
  if (port.port != null) {
    if (typeof port.port === "number") {
      for (const m of isValidPortNum(port.port)) errs.push(invalidValue(`${path}.port`, port.port, m));
      if (port.endPort != null) {
        if (port.endPort < port.port) errs.push(invalidValue(`${path}.endPort`, port.port, "must be greater than or equal to `port`"));
        for (const m of isValidPortNum(port.endPort)) errs.push(invalidValue(`${path}.endPort`, port.endPort, m));
      }
    } else {
      if (port.endPort != null) errs.push(invalidValue(`${path}.endPort`, port.endPort, "may not be specified when `port` is non-numeric"));
      for (const m of isValidPortName(String(port.port))) errs.push(invalidValue(`${path}.port`, port.port, m));
    }
  } else if (port.endPort != null) errs.push(invalidValue(`${path}.endPort`, port.endPort, "may not be specified when `port` is not specified"));
  return errs;
}

/** A CIDR as netutils.ParseCIDRSloppy takes it: its family, prefix length and network address, or undefined. */
function parseCidr(cidr: string): { family: "ipv4" | "ipv6"; prefix: number; address: string } | undefined {
  const [address, bits, ...extra] = cidr.split("/");
  const v = isIP(address ?? "");
  if (!v || extra.length || bits === undefined || !/^\d+$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > (v === 4 ? 32 : 128)) return undefined;
  return { family: v === 4 ? "ipv4" : "ipv6", prefix, address: address! };
}

function validateIpBlock(block: any, path: string): FieldError[] {
  if (!block.cidr) return [required(`${path}.cidr`, "")];
  const cidrMessage = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";
  const cidr = parseCidr(block.cidr);
  if (!cidr) return [invalidValue(`${path}.cidr`, block.cidr, cidrMessage)];
  const within = new BlockList();
  within.addSubnet(cidr.address, cidr.prefix, cidr.family);
  return each(block.except, (except: string, i) => {
    const p = `${path}.except[${i}]`;
    const e = parseCidr(except);
    if (!e) return [invalidValue(p, except, cidrMessage)];
    return e.family !== cidr.family || !within.check(e.address, e.family) || cidr.prefix >= e.prefix ? [invalidValue(p, except, "must be a strict subset of `cidr`")] : [];
  });
}

function validatePeer(peer: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let peers = 0;
  if (peer.podSelector) {
    peers++;
    errs.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  }
  if (peer.namespaceSelector) {
    peers++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  }
  if (peer.ipBlock) {
    peers++;
    errs.push(...validateIpBlock(peer.ipBlock, `${path}.ipBlock`));
  }
  if (peers === 0) errs.push(required(path, "must specify a peer"));
  else if (peers > 1 && peer.ipBlock) errs.push(forbidden(path, "may not specify both ipBlock and another peer"));
  return errs;
}

export function validateNetworkPolicy(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as any;
  const errs = validateMeta(obj, old, true);
  errs.push(...validateLabelSelector(spec.podSelector ?? {}, "spec.podSelector"));
  for (const [direction, peers] of [["ingress", "from"], ["egress", "to"]] as const) {
    (spec[direction] ?? []).forEach((rule: any, i: number) => {
      const p = `spec.${direction}[${i}]`;
      (rule.ports ?? []).forEach((port: any, j: number) => errs.push(...validateNetworkPolicyPort(port ?? {}, `${p}.ports[${j}]`)));
      (rule[peers] ?? []).forEach((peer: any, j: number) => errs.push(...validatePeer(peer ?? {}, `${p}.${peers}[${j}]`)));
    });
  }
  const types: string[] = spec.policyTypes ?? [];
  const allowed = ["Ingress", "Egress"];
  if (types.length > 2) errs.push(invalidRendered("spec.policyTypes", `&[]networking.PolicyType{${types.map((t) => JSON.stringify(t)).join(", ")}}`, "may not specify more than two policyTypes"));
  else types.forEach((t, i) => !allowed.includes(t) && errs.push(notSupported(`spec.policyTypes[${i}]`, t, allowed)));
  return errs;
}

export function defaultNetworkPolicy(obj: any): void {
  const spec = (obj.spec ??= {});
  if (!isObject(spec)) return;
  spec.podSelector ??= {};
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const direction of ["ingress", "egress"]) for (const rule of list(spec[direction])) for (const port of list(isObject(rule) ? rule.ports : undefined)) if (isObject(port) && port.protocol == null) port.protocol = "TCP";
  if (!Array.isArray(spec.policyTypes) || !spec.policyTypes.length) spec.policyTypes = list(spec.egress).length ? ["Ingress", "Egress"] : ["Ingress"];
}

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent. */
function positiveIntOrPercent(v: number | string | undefined, path: string): FieldError[] {
  if (typeof v === "string") {
    if (!/^[0-9]+%$/.test(v)) return [invalidValue(path, goIntOrString(v), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
    return Number(v.slice(0, -1)) > 100 ? [invalidValue(path, goIntOrString(v), "must not be greater than 100%")] : [];
  }
  return nonNegative(v, path);
}

const UNHEALTHY_POLICIES = ["AlwaysAllow", "IfHealthyBudget"];

export function validatePodDisruptionBudget(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as { minAvailable?: number | string; maxUnavailable?: number | string; selector?: LabelSelector; unhealthyPodEvictionPolicy?: string };
  const errs = validateMeta(obj, old, true);
  if (spec.minAvailable != null && spec.maxUnavailable != null) {
    const shown = `policy.PodDisruptionBudgetSpec{MinAvailable:${JSON.stringify(spec.minAvailable)}, Selector:${spec.selector ? "(*v1.LabelSelector)" : "nil"}, MaxUnavailable:${JSON.stringify(spec.maxUnavailable)}}`;
    errs.push(invalidRendered("spec", shown, "minAvailable and maxUnavailable cannot be both set"));
  }
  if (spec.minAvailable != null) errs.push(...positiveIntOrPercent(spec.minAvailable, "spec.minAvailable"));
  if (spec.maxUnavailable != null) errs.push(...positiveIntOrPercent(spec.maxUnavailable, "spec.maxUnavailable"));
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, "spec.selector"));
  if (spec.unhealthyPodEvictionPolicy != null && !UNHEALTHY_POLICIES.includes(spec.unhealthyPodEvictionPolicy)) errs.push(notSupported("spec.unhealthyPodEvictionPolicy", spec.unhealthyPodEvictionPolicy, UNHEALTHY_POLICIES));
  return errs;
}
