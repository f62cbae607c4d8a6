// Events about pods and the node, deduplicated as upstream's recorder does: a repeat of
// the same reason and message bumps the count of the existing Event.
import type { KubeObject } from "../api/kinds/kind.ts";
import { ApiClient, resources } from "../client/api-client.ts";
import { nowTimestamp } from "../api/registry/metadata.ts";

type Involved = { kind: string; namespace?: string; name: string; uid?: string; apiVersion?: string; fieldPath?: string };

export class EventRecorder {
  private readonly seen = new Map<string, { name: string; namespace: string; count: number }>();

  constructor(
    private readonly client: ApiClient,
    private readonly component: string,
    private readonly host: string,
  ) {}

  /** Best effort: an event that cannot be written is dropped, never an error. */
  async record(obj: Involved | KubeObject, type: "Normal" | "Warning", reason: string, message: string, fieldPath?: string): Promise<void> {
    const involved: Involved = "metadata" in obj ? { kind: obj.kind ?? "Pod", namespace: obj.metadata.namespace, name: obj.metadata.name!, uid: obj.metadata.uid, apiVersion: obj.apiVersion ?? "v1" } : obj;
    if (fieldPath) involved.fieldPath = fieldPath;
    const namespace = involved.namespace || "default";
    const key = `${involved.uid ?? involved.name}|${fieldPath ?? ""}|${reason}|${message}`;
    const now = nowTimestamp();
    const prior = this.seen.get(key);
    try {
      if (prior) {
        prior.count++;
        await this.client.patch(resources.events, prior.namespace, prior.name, { count: prior.count, lastTimestamp: now });
        return;
      }
      const name = `${involved.name}.${Date.now().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
      await this.client.create(resources.events, namespace, {
        metadata: { name, namespace },
        involvedObject: involved,
        reason,
        message,
        type,
        source: { component: this.component, host: this.host },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        reportingComponent: this.component,
        reportingInstance: this.host,
      });
      this.seen.set(key, { name, namespace, count: 1 });
      if (this.seen.size > 5000) this.seen.delete(this.seen.keys().next().value!);
    } catch {
      if (prior) this.seen.delete(key);
    }
  }
}
