// The registry: the only code that talks to the store. Every write (from the HTTP API,
// the controllers, the scheduler or the embedded agent) goes through it, so defaults,
// validation, optimistic concurrency, generations, finalizers and graceful deletion are
// applied in one place.
import type { KindDef, KubeObject } from "../kinds/kind.ts";
import { apiVersionOf } from "../kinds/kind.ts";
import type { Change, Store } from "../../store/store-interface.ts";
import { ApiError, alreadyExists, badRequest, conflict, forbidden, invalid, notFound, staleConflict } from "../errors.ts";
import { clone, generateSuffix, keepServerMetadata, nowTimestamp, specOf } from "./metadata.ts";
import { recordManagedFields } from "./managed-fields.ts";
import { checkUnknownFields } from "./field-validation.ts";
import { checkDecodable } from "./decode-check.ts";
import { isUnchanged } from "./unchanged.ts";
import { validateAgainstKind } from "../validation/validate-kind.ts";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export type WriteOptions = {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: FieldValidation;
  /** Warnings to send back as `Warning` headers. */
  warnings?: string[];
  /** A server-internal write of a field users may not change (pods/binding's nodeName): validate as on create. */
  systemSpecWrite?: boolean;
  /**
   * A server-internal write that sets spec and status together (pods/binding: nodeName and
   * the PodScheduled condition in one revision instead of two). Ordinary writes keep the
   * stored status; this one stores the status `produce` returns.
   */
  withStatus?: boolean;
  /** Who asks for the write (an API request's user; absent for the server's own writes): admission checks that depend on the requester read it. */
  requester?: { name: string; groups: string[]; node?: string };
};

export type DeleteOptions = WriteOptions & {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  preconditions?: { uid?: string; resourceVersion?: string };
};

/** A hook run inside the write lock before an object is stored (admission, in upstream terms). */
export type Admission = (op: "create" | "update", kind: KindDef, next: KubeObject, old: KubeObject | undefined, opts: WriteOptions) => void;

type Planned = { type: "ADDED" | "MODIFIED" | "DELETED"; object: KubeObject };

export type ListResult = { items: KubeObject[]; resourceVersion: string; continue?: string; remainingItemCount?: number };

export class Registry {
  private readonly byResource = new Map<string, KindDef>();
  private readonly admissions: Admission[] = [];
  /** The served kinds: the declarations given at start, then kinds added and removed while serving (custom resources). */
  readonly kinds: KindDef[];
  /** Bumped on every change of `kinds`: what is derived from them (discovery, OpenAPI) is rebuilt when it moves. */
  kindsRevision = 0;

  constructor(
    readonly store: Store,
    kinds: KindDef[],
  ) {
    this.kinds = [...kinds];
    for (const k of kinds) this.byResource.set(resourceKey(k), k);
    // Objects stored before every write was given its apiVersion and kind (see settle) get them
    // once, in memory, where every read is served from; their next write stores them.
    for (const k of kinds) {
      for (const o of store.list(resourceKey(k))) {
        if (o.apiVersion === undefined || o.kind === undefined) {
          o.apiVersion = apiVersionOf(k);
          o.kind = k.kind;
        }
      }
    }
  }

  /** Serve a kind from now on (or replace the one served under the same group and plural). */
  addKind(kind: KindDef) {
    const key = resourceKey(kind);
    const at = this.kinds.findIndex((k) => resourceKey(k) === key);
    if (at >= 0) this.kinds[at] = kind;
    else this.kinds.push(kind);
    this.byResource.set(key, kind);
    this.kindsRevision++;
    // Objects stored in an earlier version of the kind (a CRD's storage version changed) are
    // served in the new one, as upstream's conversion None does on read; their next write stores it.
    const apiVersion = apiVersionOf(kind);
    for (const o of this.store.list(key)) if (o.apiVersion !== apiVersion) o.apiVersion = apiVersion;
  }

  /** Stop serving a kind; its stored objects are the caller's business. */
  removeKind(kind: Pick<KindDef, "group" | "plural">) {
    const key = resourceKey(kind);
    const at = this.kinds.findIndex((k) => resourceKey(k) === key);
    if (at < 0) return;
    this.kinds.splice(at, 1);
    this.byResource.delete(key);
    this.kindsRevision++;
  }

  addAdmission(a: Admission) {
    this.admissions.push(a);
  }

  kind(group: string, version: string, plural: string): KindDef | undefined {
    const k = this.byResource.get(group ? `${group}/${plural}` : plural);
    return k && k.version === version ? k : undefined;
  }

  kindOf(apiVersion: string, kindName: string): KindDef | undefined {
    return this.kinds.find((k) => apiVersionOf(k) === apiVersion && k.kind === kindName);
  }

  get(kind: KindDef, namespace: string, name: string): KubeObject {
    const obj = this.store.get(resourceKey(kind), ns(kind, namespace), name);
    if (!obj) throw notFound({ ...kind, name });
    return obj;
  }

  tryGet(kind: KindDef, namespace: string, name: string): KubeObject | undefined {
    return this.store.get(resourceKey(kind), ns(kind, namespace), name);
  }

  /** Objects sorted by namespace and name, as etcd's key order gives them upstream. */
  /** `among`: the objects that can match (from an index), instead of every object of the kind. */
  list(kind: KindDef, namespace: string | undefined, filter?: (o: KubeObject) => boolean, limit?: number, continueToken?: string, among?: KubeObject[]): ListResult {
    const ns = kind.namespaced ? namespace : undefined;
    const all = among ? (ns === undefined ? among : among.filter((o) => (o.metadata.namespace ?? "") === ns)) : this.store.list(resourceKey(kind), ns);
    let items = filter ? all.filter(filter) : all;
    items.sort(byNamespaceAndName);
    let start = 0;
    if (continueToken) {
      const after = decodeContinue(continueToken);
      start = items.findIndex((o) => sortKey(o) > after);
      if (start < 0) start = items.length;
    }
    const resourceVersion = String(this.store.revision);
    if (limit && limit > 0 && start + limit < items.length) {
      const page = items.slice(start, start + limit);
      return { items: page, resourceVersion, continue: encodeContinue(sortKey(page[page.length - 1]!)), remainingItemCount: items.length - start - limit };
    }
    if (start > 0) items = items.slice(start);
    return { items, resourceVersion };
  }

  async create(kind: KindDef, namespace: string, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    const obj = this.checkBody(kind, namespace, body);
    const m = obj.metadata;
    if (!m.name) {
      if (!m.generateName) throw invalid(kind.kind, kind.group, "", [{ field: "metadata.name", reason: "FieldValueRequired", message: "Required value: name or generateName is required" }]);
      m.name = m.generateName + generateSuffix();
    }
    if (kind.namespaced) this.checkNamespaceOpen(m.namespace!);
    this.prepareCreate(kind, obj, opts);
    const key = resourceKey(kind);
    const plan = (current: KubeObject | undefined) => {
      if (current) throw alreadyExists({ ...kind, name: m.name });
      for (const a of this.admissions) a("create", kind, obj, undefined, opts);
      return { type: "ADDED" as const, object: obj };
    };
    const settled = (current: KubeObject | undefined) => this.settle(kind, current, plan(current));
    if (opts.dryRun) return settled(this.store.get(key, ns(kind, m.namespace), m.name!))!.object;
    const change = await this.store.write(key, ns(kind, m.namespace), m.name!, settled);
    return change!.object;
  }

  /** Fill server-owned metadata and defaults, validate: everything a create needs but the write itself. */
  private prepareCreate(kind: KindDef, obj: KubeObject, opts: WriteOptions) {
    const m = obj.metadata;
    m.uid = crypto.randomUUID();
    m.creationTimestamp = nowTimestamp();
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    if (kind.hasGeneration) m.generation = 1;
    else delete m.generation;
    // A new object's status comes from its controller, not its author (nodes report their own).
    if (kind.subresources?.status && !kind.keepStatusOnCreate) delete obj.status;
    kind.defaults?.(obj);
    this.validate(kind, obj, undefined);
    if (opts.fieldManager) recordManagedFields(undefined, obj, opts.fieldManager, kind, "Update");
  }

  /** PUT of the object or of its status. */
  async update(kind: KindDef, namespace: string, name: string, body: unknown, opts: WriteOptions = {}, subresource?: "status"): Promise<KubeObject> {
    const next = this.checkBody(kind, namespace, body);
    if (next.metadata.name !== name) throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
    return (await this.replace(kind, namespace, name, () => next, opts, subresource)).object;
  }

  /**
   * Read-modify-write: `produce` gets a private copy of the stored object (undefined when
   * absent) and returns the desired object. Preconditions: a resourceVersion in the result
   * must equal the stored one. Used by PUT, PATCH and internal writers alike.
   */
  async replace(
    kind: KindDef,
    namespace: string,
    name: string,
    produce: (current: KubeObject | undefined) => KubeObject,
    opts: WriteOptions = {},
    subresource?: "status",
    allowCreate = false,
  ): Promise<{ object: KubeObject; created: boolean }> {
    const key = resourceKey(kind);
    const nsKey = ns(kind, namespace);
    let created = false;
    const plan = (current: KubeObject | undefined) => {
      // Writers that expect an object (pods/binding) never see a missing one: that is a 404.
      if (!current && !allowCreate) throw notFound({ ...kind, name });
      const next = produce(current ? clone(current) : undefined);
      if (!current) {
        if (kind.namespaced) this.checkNamespaceOpen(nsKey);
        next.metadata.name = name;
        if (kind.namespaced) next.metadata.namespace = nsKey;
        this.prepareCreate(kind, next, {});
        for (const a of this.admissions) a("create", kind, next, undefined, opts);
        created = true;
        return { type: "ADDED" as const, object: next };
      }
      const rv = next.metadata.resourceVersion;
      if (rv !== undefined && rv !== "" && rv !== current.metadata.resourceVersion) throw staleConflict({ ...kind, name });
      keepServerMetadata(next, current);
      if (subresource === "status") {
        // A status write changes status (and nothing else but labels/annotations upstream keeps).
        const status = next.status;
        const onlyStatus = clone(current);
        if (status === undefined) delete onlyStatus.status;
        else onlyStatus.status = status;
        return this.finishUpdate(kind, onlyStatus, current, opts, "status");
      }
      if (kind.subresources?.status && !opts.withStatus) {
        if (current.status === undefined) delete next.status;
        else next.status = current.status;
      }
      kind.defaults?.(next);
      if (kind.hasGeneration && specOf(next) !== specOf(current)) next.metadata.generation = (current.metadata.generation ?? 0) + 1;
      // Removing the last finalizer of an object being deleted completes the deletion.
      if (current.metadata.deletionTimestamp && !(next.metadata.finalizers?.length) && !this.waitsForGrace(kind, next)) {
        return { type: "DELETED" as const, object: next };
      }
      if (current.metadata.deletionTimestamp) {
        const added = (next.metadata.finalizers ?? []).filter((f) => !(current.metadata.finalizers ?? []).includes(f));
        if (added.length) throw forbidden(`no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`);
      }
      return this.finishUpdate(kind, next, current, opts);
    };
    // A write that would store what is already stored is skipped: the stored object is the answer.
    let unchanged: KubeObject | undefined;
    const planOrSkip = (current: KubeObject | undefined) => {
      const r = this.settle(kind, current, plan(current));
      if (!r) unchanged = current;
      return r;
    };
    if (opts.dryRun) {
      const r = planOrSkip(this.store.get(key, nsKey, name));
      return { object: r ? r.object : clone(unchanged!), created };
    }
    const change = await this.store.write(key, nsKey, name, planOrSkip);
    return { object: change ? change.object : clone(unchanged!), created };
  }

  private finishUpdate(kind: KindDef, next: KubeObject, current: KubeObject, opts: WriteOptions, subresource?: string) {
    this.validate(kind, next, opts.systemSpecWrite ? undefined : current);
    for (const a of this.admissions) a("update", kind, next, current, opts);
    if (opts.fieldManager) recordManagedFields(current, next, opts.fieldManager, kind, "Update", subresource);
    return { type: "MODIFIED" as const, object: next };
  }

  async delete(kind: KindDef, namespace: string, name: string, opts: DeleteOptions = {}): Promise<{ object: KubeObject; deleted: boolean }> {
    const key = resourceKey(kind);
    const nsKey = ns(kind, namespace);
    const plan = (current: KubeObject | undefined) => {
      if (!current) throw notFound({ ...kind, name });
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) throw conflict({ ...kind, name }, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) throw conflict({ ...kind, name }, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      const next = clone(current);
      const m = next.metadata;
      const finalizers = new Set(m.finalizers ?? []);
      if (opts.propagationPolicy === "Foreground") finalizers.add("foregroundDeletion");
      if (opts.propagationPolicy === "Orphan") finalizers.add("orphan");
      const grace = this.gracePeriod(kind, current, opts.gracePeriodSeconds);
      const terminating = kind.kind === "Namespace" && ((next.spec as { finalizers?: string[] } | undefined)?.finalizers?.length ?? 0) > 0;
      if (finalizers.size === 0 && grace === 0 && !terminating) return { type: "DELETED" as const, object: next };
      const now = Date.now();
      if (!m.deletionTimestamp || (grace > 0 && Date.parse(m.deletionTimestamp) > now + grace * 1000)) {
        m.deletionTimestamp = nowTimestamp(now + grace * 1000);
      } else if (grace === 0 && finalizers.size === 0 && !terminating) {
        return { type: "DELETED" as const, object: next };
      }
      m.deletionGracePeriodSeconds = grace;
      if (finalizers.size) m.finalizers = [...finalizers];
      if (kind.kind === "Namespace") next.status = { ...(next.status as object), phase: "Terminating" };
      if (JSON.stringify(next) === JSON.stringify(current)) return null; // already terminating as asked
      return { type: "MODIFIED" as const, object: next };
    };
    const settled = (current: KubeObject | undefined) => this.settle(kind, current, plan(current));
    if (opts.dryRun) {
      const r = settled(this.store.get(key, nsKey, name));
      return { object: r?.object ?? this.get(kind, namespace, name), deleted: r?.type === "DELETED" };
    }
    const change = await this.store.write(key, nsKey, name, settled);
    if (!change) return { object: this.get(kind, namespace, name), deleted: false };
    return { object: change.object, deleted: change.type === "DELETED" };
  }

  /**
   * The last step of every write, whichever code produced the object: it gets its
   * apiVersion and kind (clients such as kubectl need both on everything they read back),
   * and a change that would store what is already stored becomes no write at all (null).
   */
  private settle(kind: KindDef, current: KubeObject | undefined, r: Planned | null): Planned | null {
    if (!r) return r;
    r.object.apiVersion = apiVersionOf(kind);
    r.object.kind = kind.kind;
    if (current && r.type === "MODIFIED" && isUnchanged(r.object, current)) return null;
    return r;
  }

  /** Pods on a node get time to stop (the node's agent confirms with a second delete); everything else goes at once. */
  private gracePeriod(kind: KindDef, obj: KubeObject, requested: number | undefined): number {
    if (kind.kind !== "Pod") return 0;
    const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (!spec?.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
    const g = requested ?? obj.metadata.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  }

  private waitsForGrace(kind: KindDef, obj: KubeObject): boolean {
    return kind.kind === "Pod" && (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0 && !!(obj.spec as { nodeName?: string })?.nodeName;
  }

  /** Parse and check a request body: an object of this kind, in this namespace. */
  checkBody(kind: KindDef, namespace: string, body: unknown): KubeObject {
    if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest(`the body of the request must be a ${kind.kind} object`);
    const obj = clone(body) as KubeObject;
    const apiVersion = apiVersionOf(kind);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`);
    if (obj.kind !== undefined && obj.kind !== kind.kind) throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${kind.kind})`);
    obj.apiVersion = apiVersion;
    obj.kind = kind.kind;
    checkDecodable(kind, obj);
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (typeof obj.metadata !== "object" || Array.isArray(obj.metadata)) throw invalid(kind.kind, kind.group, "", [{ field: "metadata", reason: "FieldValueInvalid", message: "Invalid value: metadata must be an object" }]);
    const m = obj.metadata;
    if (kind.namespaced) {
      if (m.namespace && namespace && m.namespace !== namespace) throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      m.namespace = namespace || m.namespace || "default";
    } else {
      delete m.namespace;
    }
    return obj;
  }

  private validate(kind: KindDef, obj: KubeObject, old: KubeObject | undefined) {
    const errors = validateAgainstKind(kind, obj, old);
    if (errors.length) throw invalid(kind.kind, kind.group, obj.metadata.name ?? "", errors);
  }

  /** Strict/Warn field validation of a request body, before any other processing. */
  checkFields(kind: KindDef, body: unknown, name: string, opts: WriteOptions) {
    checkUnknownFields(kind, body, name, opts.fieldValidation ?? "Strict", opts.warnings);
  }

  private checkNamespaceOpen(namespace: string) {
    const nsObj = this.store.get("namespaces", "", namespace);
    if (!nsObj) throw new ApiError(404, "NotFound", `namespaces "${namespace}" not found`, { name: namespace, kind: "namespaces" });
    if (nsObj.metadata.deletionTimestamp) {
      throw forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`, {
        causes: [{ type: "NamespaceTerminating", message: `namespace ${namespace} is being terminated`, field: "metadata.namespace" }],
      });
    }
  }

  subscribe(listener: (c: Change) => void): () => void {
    return this.store.subscribe(listener);
  }
}

export function resourceKey(kind: Pick<KindDef, "group" | "plural">): string {
  return kind.group ? `${kind.group}/${kind.plural}` : kind.plural;
}

function ns(kind: KindDef, namespace: string | undefined): string {
  return kind.namespaced ? (namespace ?? "") : "";
}

const sortKey = (o: KubeObject) => `${o.metadata.namespace ?? ""}\u0000${o.metadata.name}`;
function byNamespaceAndName(a: KubeObject, b: KubeObject) {
  const x = sortKey(a);
  const y = sortKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
const encodeContinue = (after: string) => Buffer.from(JSON.stringify({ v: 1, after })).toString("base64url");
function decodeContinue(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof parsed.after === "string") return parsed.after;
  } catch {}
  throw badRequest(`invalid continue token: ${token}`);
}
