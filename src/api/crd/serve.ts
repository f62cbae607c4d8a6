// Serving the kinds of CustomResourceDefinitions: each stored CRD whose names conflict with
// nothing served becomes a kind of the registry (and so of every route, discovery document,
// table, watch and patch derived from kinds) at the moment it is written, and stops being
// one when it is deleted. At start, the stored CRDs are served before any request is.
import type { KindDef } from "../kinds/kind.ts";
import { customResourceDefinitionKind, type CustomResourceDefinition } from "../kinds/customresourcedefinition.ts";
import { resourceKey, type Registry } from "../registry/registry.ts";
import { ApiError } from "../errors.ts";
import { setServedSchema } from "../patch/kind-schemas.ts";
import { kindFromCrd, storageVersionOf } from "./kind-from-crd.ts";

const CRD_RESOURCE = resourceKey(customResourceDefinitionKind);

/** Why a CRD's names cannot be accepted (another kind of its group holds one), or undefined. */
export function namesConflict(registry: Registry, crd: CustomResourceDefinition): string | undefined {
  const { group, names } = crd.spec;
  const own = (k: KindDef) => k.custom !== undefined && k.group === group && k.plural === names.plural;
  for (const k of registry.kinds) {
    if (k.group !== group || own(k)) continue;
    if (k.plural === names.plural) return `"${names.plural}" is already in use`;
    if (k.singular === names.singular) return `"${names.singular}" is already in use`;
    if (k.kind === names.kind) return `"${names.kind}" is already in use`;
    if (names.listKind && `${k.kind}List` === names.listKind) return `"${names.listKind}" is already in use`;
    for (const s of names.shortNames ?? []) if (k.shortNames?.includes(s)) return `"${s}" is already in use`;
  }
  return undefined;
}

export class CustomResources {
  /** CRD name → the kind it serves. */
  private readonly served = new Map<string, KindDef>();
  /** CRD name → the spec its kind was built from: a status write changes nothing served. */
  private readonly builtFrom = new Map<string, string>();

  constructor(private readonly registry: Registry) {}

  /** The kind a CRD serves now, if any. */
  kindOf(crdName: string): KindDef | undefined {
    return this.served.get(crdName);
  }

  sync(crd: CustomResourceDefinition) {
    const name = crd.metadata.name!;
    const before = this.served.get(name);
    if (!crd.spec?.versions?.length || !storageVersionOf(crd) || namesConflict(this.registry, crd)) {
      if (before) this.unserve(name);
      return;
    }
    const spec = JSON.stringify(crd.spec);
    if (before && this.builtFrom.get(name) === spec) return;
    const kind = kindFromCrd(crd);
    if (before) this.unserve(name);
    this.builtFrom.set(name, spec);
    this.served.set(name, kind);
    this.registry.addKind(kind);
    setPatchSchemas(kind, kind.schema.patch);
  }

  unserve(crdName: string) {
    const kind = this.served.get(crdName);
    if (!kind) return;
    this.served.delete(crdName);
    this.builtFrom.delete(crdName);
    this.registry.removeKind(kind);
    setPatchSchemas(kind, undefined);
  }
}

function setPatchSchemas(kind: KindDef, schema: KindDef["schema"]["patch"] | undefined) {
  for (const v of [kind.version, ...(kind.otherVersions ?? []).map((o) => o.version)]) setServedSchema({ group: kind.group, version: v, kind: kind.kind }, schema);
}

/**
 * Serve CustomResourceDefinitions and the kinds they define on this registry: the CRD kind
 * itself, every stored CRD now, and each one written from now on.
 */
export function installCustomResources(registry: Registry): CustomResources {
  registry.addKind(customResourceDefinitionKind);
  const crs = new CustomResources(registry);
  for (const crd of registry.list(customResourceDefinitionKind, undefined).items) crs.sync(crd as CustomResourceDefinition);
  registry.subscribe((c) => {
    if (c.resource !== CRD_RESOURCE) return;
    if (c.type !== "DELETED") return crs.sync(c.object as CustomResourceDefinition);
    crs.unserve(c.name);
    // Names it held may now be free for a CRD that waited for them.
    for (const crd of registry.list(customResourceDefinitionKind, undefined).items) if (!crs.kindOf(crd.metadata.name!)) crs.sync(crd as CustomResourceDefinition);
  });
  // Upstream refuses new objects of a CRD being deleted: its objects are on their way out.
  registry.addAdmission((op, kind, next) => {
    if (op !== "create" || !kind.custom) return;
    const crd = registry.tryGet(customResourceDefinitionKind, "", `${kind.plural}.${kind.group}`);
    if (crd?.metadata.deletionTimestamp) {
      throw new ApiError(405, "MethodNotAllowed", `create not allowed while custom resource definition is terminating`, { name: next.metadata.name, group: kind.group, kind: kind.plural });
    }
  });
  return crs;
}
