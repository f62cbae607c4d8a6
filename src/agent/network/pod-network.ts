// Keeps the overlay current on a running agent: sets up this node's device, publishes
// its VTEP MAC and address on the Node, and re-syncs routes whenever Nodes change.
import { resources, type ApiClient } from "../../client/api-client.ts";
import { Overlay, type NodeLike, type OverlayOptions } from "./overlay.ts";
import { coalesce, ResourceMirror } from "./resource-mirror.ts";

export type PodNetworkOptions = OverlayOptions & { client: ApiClient; log: (line: string) => void };

export class PodNetwork {
  readonly overlay: Overlay;
  private readonly nodes: ResourceMirror;
  private readonly schedule: () => void;
  private published = false;

  constructor(private readonly opts: PodNetworkOptions) {
    this.overlay = new Overlay(opts);
    this.schedule = coalesce(() => this.sync(), 100, (e) => opts.log(`skiff agent: overlay sync failed: ${e.message}`));
    this.nodes = new ResourceMirror(opts.client, resources.nodes, this.schedule);
  }

  async start(): Promise<void> {
    await this.overlay.setup();
    this.nodes.start();
  }

  async stop(opts: { teardown?: boolean } = {}): Promise<void> {
    this.nodes.stop();
    if (opts.teardown) await this.overlay.teardown();
  }

  private async sync(): Promise<void> {
    if (!this.published) {
      await this.opts.client.patch(resources.nodes, undefined, this.opts.nodeName, { metadata: { annotations: this.overlay.annotations() } }, "merge");
      this.published = true;
    }
    await this.overlay.sync(this.nodes.list() as NodeLike[]);
  }
}
