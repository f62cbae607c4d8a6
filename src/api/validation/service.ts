// Service, Endpoints and EndpointSlice validation (pkg/apis/core/validation, discovery/validation).
import type { Service, ServicePort, Endpoints } from "kubernetes-types/core/v1";
import type { EndpointSlice } from "kubernetes-types/discovery/v1";
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { duplicate, forbidden, invalidRendered, invalidValue, notSupported, required } from "./field-errors.ts";
import { goStringSlice } from "./go-format.ts";
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isValidPortName, isValidPortNum } from "./names.ts";
import { prefixedCheck, validateLabels, validateMeta } from "./object-meta.ts";

const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const AFFINITIES = ["ClientIP", "None"];
const isIP = (s: string) => /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) ? s.split(".").every((o) => Number(o) <= 255 && String(Number(o)) === o) : /^[0-9a-fA-F:]+$/.test(s) && s.includes(":");

function validatePortNumOrName(v: number | string | undefined, path: string): FieldError[] {
  if (typeof v === "number") return isValidPortNum(v).map((m) => invalidValue(path, v, m));
  if (typeof v === "string") return isValidPortName(v).map((m) => invalidValue(path, v, m));
  return [];
}

function validateServicePort(sp: ServicePort, requireName: boolean, names: Set<string>, path: string, type: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !sp.name) errs.push(required(`${path}.name`));
  else if (sp.name) {
    for (const m of isDNS1123Label(sp.name)) errs.push(invalidValue(`${path}.name`, sp.name, m));
    if (names.has(sp.name)) errs.push(duplicate(`${path}.name`, sp.name));
    else names.add(sp.name);
  }
  for (const m of isValidPortNum(sp.port)) errs.push(invalidValue(`${path}.port`, sp.port, m));
  if (!sp.protocol) errs.push(required(`${path}.protocol`));
  else if (!PROTOCOLS.includes(sp.protocol)) errs.push(notSupported(`${path}.protocol`, sp.protocol, PROTOCOLS));
  errs.push(...validatePortNumOrName(sp.targetPort, `${path}.targetPort`));
  if (sp.nodePort && type === "ClusterIP") errs.push(forbidden(`${path}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
  if (sp.nodePort) for (const m of isValidPortNum(sp.nodePort)) errs.push(invalidValue(`${path}.nodePort`, sp.nodePort, m));
  return errs;
}

export function validateServiceSpec(svc: Service): FieldError[] {
  const spec = svc.spec;
  if (!spec) return [required("spec")];
  const errs: FieldError[] = [];
  const type = spec.type ?? "";
  if (!SERVICE_TYPES.includes(type)) errs.push(notSupported("spec.type", type, SERVICE_TYPES));
  const headless = spec.clusterIP === "None";
  if (type === "ExternalName") {
    if (!spec.externalName) errs.push(required("spec.externalName"));
    else for (const m of isDNS1123Subdomain(spec.externalName.replace(/\.$/, ""))) errs.push(invalidValue("spec.externalName", spec.externalName, m));
  }
  const ports = spec.ports ?? [];
  if (!ports.length && !headless && type !== "ExternalName") errs.push(required("spec.ports"));
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    errs.push(...validateServicePort(p, ports.length > 1, names, `spec.ports[${i}]`, type));
    const key = `${p.port}/${p.protocol}`;
    if (seen.has(key)) {
      const rendered = `core.ServicePort{Name:"", Protocol:${JSON.stringify(p.protocol ?? "")}, AppProtocol:(*string)(nil), Port:${p.port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
      errs.push({ field: `spec.ports[${i}]`, reason: "FieldValueDuplicate", message: `Duplicate value: ${rendered}` });
    }
    seen.add(key);
  });
  errs.push(...validateLabels(spec.selector, "spec.selector"));
  if (spec.sessionAffinity && !AFFINITIES.includes(spec.sessionAffinity)) errs.push(notSupported("spec.sessionAffinity", spec.sessionAffinity, AFFINITIES));
  (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).forEach((ip, i) => {
    if (ip !== "None" && ip !== "" && !isIP(ip)) errs.push(invalidValue(`spec.clusterIPs[${i}]`, ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  });
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (!isIP(ip)) errs.push(invalidValue(`spec.externalIPs[${i}]`, ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  });
  return errs;
}

/** The cluster IP may not change once set (unless the service is or becomes ExternalName). */
function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const oldIP = old.spec?.clusterIPs?.[0] ?? old.spec?.clusterIP;
  const newIPs = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : undefined);
  if (!oldIP || old.spec?.type === "ExternalName" || svc.spec?.type === "ExternalName") return [];
  // An update that leaves the address out keeps the allocated one (upstream copies it over).
  if (!newIPs?.length || !newIPs[0]) return [];
  if (newIPs[0] !== oldIP) return [invalidRendered("spec.clusterIPs[0]", goStringSlice(newIPs), "may not change once set")];
  return [];
}

export function validateService(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateMeta(obj, old, true, prefixedCheck(isDNS1035Label));
  errs.push(...validateServiceSpec(obj as unknown as Service));
  if (old) errs.push(...validateServiceUpdate(obj as unknown as Service, old as unknown as Service));
  return errs;
}

export function validateEndpoints(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateMeta(obj, old, true);
  ((obj as unknown as Endpoints).subsets ?? []).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    (ss.addresses ?? []).forEach((a, j) => {
      if (!isIP(a.ip ?? "")) errs.push(invalidValue(`${p}.addresses[${j}].ip`, a.ip ?? "", "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
    });
    (ss.ports ?? []).forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      if ((ss.ports ?? []).length > 1 && !port.name) errs.push(required(`${pp}.name`));
      for (const m of isValidPortNum(port.port)) errs.push(invalidValue(`${pp}.port`, port.port, m));
      if (!port.protocol) errs.push(required(`${pp}.protocol`));
      else if (!PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${pp}.protocol`, port.protocol, PROTOCOLS));
    });
  });
  return errs;
}

const ADDRESS_TYPES = ["IPv4", "IPv6", "FQDN"];

export function validateEndpointSlice(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateMeta(obj, old, true);
  const s = obj as unknown as EndpointSlice;
  if (!s.addressType) errs.push(required("addressType"));
  else if (!ADDRESS_TYPES.includes(s.addressType)) errs.push(notSupported("addressType", s.addressType, ADDRESS_TYPES));
  (s.endpoints ?? []).forEach((e, i) => {
    if (!(e.addresses ?? []).length) errs.push(required(`endpoints[${i}].addresses`, "must contain at least 1 address"));
  });
  (s.ports ?? []).forEach((p, i) => {
    if (p.port != null) for (const m of isValidPortNum(p.port)) errs.push(invalidValue(`ports[${i}].port`, p.port, m));
    if (p.protocol && !PROTOCOLS.includes(p.protocol)) errs.push(notSupported(`ports[${i}].protocol`, p.protocol, PROTOCOLS));
  });
  if (old && (old as unknown as EndpointSlice).addressType !== s.addressType) errs.push(invalidValue("addressType", s.addressType ?? "", "field is immutable"));
  return errs;
}
