// kubectl port-forward: the client speaks SPDY/3.1 tunnelled in a websocket
// (SPDY/3.1+portforward.k8s.io). For every local connection it opens two streams,
// "error" then "data", carrying the remote port and a requestID. The server answers
// each stream, and relays each data stream through its own websocket to the agent of
// the pod's node, which connects to the pod's port.
import { CONTROL, FLAG_FIN, concat, FrameReader, HeaderCodec, MAX_DATA_PAYLOAD, RST, controlFrame, dataFrame, readU32, u32, type Frame, type Headers } from "../api/spdy/framing.ts";
import { RELAY, RELAY_PROTOCOL, relayFrame } from "../api/portforward-protocol.ts";
import { agentTls, type AgentTarget } from "./node-proxy.ts";

/** One forwarded connection as the agent carries it. */
export interface RelayConn {
  send(bytes: Uint8Array): void;
  close(): void;
}
export type RelayEvents = { onData(bytes: Uint8Array): void; onError(message: string): void; onClose(): void };
export type RelayOpener = (port: number, events: RelayEvents) => RelayConn;

/** Write to the client: false when its socket is backed up (the bytes are queued all the same). */
export type ClientWrite = (bytes: Uint8Array) => boolean;

/** Relays told to stop reading their pod while the client's socket is backed up. */
class Held {
  private readonly relays = new Set<RelayConn>();
  hold(conn: RelayConn) {
    if (this.relays.has(conn)) return;
    this.relays.add(conn);
    conn.send(relayFrame(RELAY.pause));
  }
  release() {
    for (const conn of this.relays) conn.send(relayFrame(RELAY.resume));
    this.relays.clear();
  }
}

type Pair = { requestId: string; port: number; errorStream?: number; dataStream?: number; conn?: RelayConn; error?: string; done: boolean };

export class PortForwardSession implements ForwardSession {
  private readonly reader = new FrameReader();
  private readonly inbound = new HeaderCodec();
  private readonly outbound = new HeaderCodec();
  private readonly pairs = new Map<string, Pair>();
  private readonly byStream = new Map<number, Pair>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly held = new Held();

  constructor(
    private readonly write: ClientWrite,
    private readonly hangUp: () => void,
    private readonly open: RelayOpener,
    /** The ports named in the request's query; a stream for another port is refused. */
    private readonly ports: number[],
  ) {}

  /** Bytes from the client, in order. */
  receive(chunk: Uint8Array) {
    for (const frame of this.reader.push(chunk)) {
      this.chain = this.chain.then(() => this.handle(frame)).catch(() => this.close());
    }
  }

  /** The client's socket drained: the pods may be read again. */
  drain() {
    this.held.release();
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    for (const pair of this.pairs.values()) pair.conn?.close();
    this.pairs.clear();
    this.byStream.clear();
    this.inbound.close();
    this.hangUp();
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.closed) return;
    if (!frame.control) return this.onData(frame.streamId, frame.flags, frame.payload);
    switch (frame.type) {
      case CONTROL.synStream: {
        const streamId = readU32(frame.payload, 0) & 0x7fffffff;
        const headers = await this.inbound.inflate(frame.payload.subarray(10));
        return this.onStream(streamId, headers, frame.flags);
      }
      case CONTROL.rstStream: {
        const pair = this.byStream.get(readU32(frame.payload, 0) & 0x7fffffff);
        if (pair) this.finish(pair, false);
        return;
      }
      case CONTROL.ping:
        this.write(controlFrame(CONTROL.ping, 0, frame.payload));
        return;
      case CONTROL.goAway:
        return this.close();
      default:
        // SETTINGS, WINDOW_UPDATE and HEADERS change nothing here.
        return;
    }
  }

  private onStream(streamId: number, headers: Headers, flags: number) {
    const type = headers["streamtype"]?.[0];
    const port = Number(headers["port"]?.[0]);
    if ((type !== "error" && type !== "data") || !Number.isInteger(port) || port < 1 || port > 65535 || (this.ports.length && !this.ports.includes(port))) {
      this.write(controlFrame(CONTROL.rstStream, 0, u32(streamId, RST.refusedStream)));
      return;
    }
    // Clients older than the requestID header paired a data stream with the error stream two ids before it.
    const requestId = headers["requestid"]?.[0] ?? String(type === "error" ? streamId : streamId - 2);
    let pair = this.pairs.get(requestId);
    if (!pair) {
      pair = { requestId, port, done: false };
      this.pairs.set(requestId, pair);
    }
    this.byStream.set(streamId, pair);
    this.write(controlFrame(CONTROL.synReply, 0, concat(u32(streamId), this.outbound.deflate({}))));
    if (type === "error") {
      pair.errorStream = streamId;
      if (pair.done) this.sendError(pair);
      return;
    }
    pair.dataStream = streamId;
    const p = pair;
    p.conn = this.open(port, {
      onData: (bytes) => {
        let flowing = true;
        for (let at = 0; at < bytes.length; at += MAX_DATA_PAYLOAD) flowing = this.write(dataFrame(streamId, 0, bytes.subarray(at, at + MAX_DATA_PAYLOAD))) && flowing;
        if (!flowing && p.conn) this.held.hold(p.conn);
      },
      onError: (message) => {
        p.error = message;
      },
      onClose: () => this.finish(p, true),
    });
    if (flags & FLAG_FIN) p.conn.send(relayFrame(RELAY.end));
  }

  private onData(streamId: number, flags: number, payload: Uint8Array) {
    const pair = this.byStream.get(streamId);
    if (!pair || streamId !== pair.dataStream || !pair.conn) return;
    if (payload.length) pair.conn.send(relayFrame(RELAY.data, payload));
    if (flags & FLAG_FIN) pair.conn.send(relayFrame(RELAY.end));
  }

  /** The pod's side ended: close the data stream, then tell the error stream why (if it failed). */
  private finish(pair: Pair, notify: boolean) {
    if (pair.done) return;
    pair.done = true;
    pair.conn?.close();
    if (!notify || this.closed) return this.forget(pair);
    if (pair.dataStream !== undefined) this.write(dataFrame(pair.dataStream, FLAG_FIN, new Uint8Array(0)));
    if (pair.errorStream !== undefined) this.sendError(pair);
  }

  private sendError(pair: Pair) {
    if (pair.error) this.write(dataFrame(pair.errorStream!, 0, new TextEncoder().encode(pair.error)));
    this.write(dataFrame(pair.errorStream!, FLAG_FIN, new Uint8Array(0)));
    this.forget(pair);
  }

  private forget(pair: Pair) {
    this.pairs.delete(pair.requestId);
    for (const id of [pair.errorStream, pair.dataStream]) if (id !== undefined) this.byStream.delete(id);
  }
}

/** What the client's websocket feeds: SPDY frames (kubectl) or channel frames (other clients). */
export interface ForwardSession {
  receive(chunk: Uint8Array): void;
  drain(): void;
  close(): void;
}

/**
 * The websocket channel protocol of port-forward (v4.channel.k8s.io, as the kubelet
 * serves it; @kubernetes/client-node speaks it): one connection per port named in the
 * query, port i on channels 2i (data) and 2i+1 (error), each channel's first message
 * the port as two little-endian bytes. The socket closes once every connection ended.
 */
export class ChannelPortForward implements ForwardSession {
  private readonly conns: RelayConn[] = [];
  private open = 0;
  private closed = false;
  private readonly held = new Held();

  constructor(
    private readonly write: ClientWrite,
    private readonly hangUp: () => void,
    openRelay: RelayOpener,
    ports: number[],
  ) {
    ports.forEach((port, i) => {
      const portBytes = new Uint8Array([port & 0xff, port >> 8]);
      this.write(concat(new Uint8Array([2 * i]), portBytes));
      this.write(concat(new Uint8Array([2 * i + 1]), portBytes));
      this.open++;
      let ended = false;
      const conn: RelayConn = openRelay(port, {
          onData: (bytes) => {
            if (!this.write(concat(new Uint8Array([2 * i]), bytes))) this.held.hold(conn);
          },
          onError: (message) => this.write(concat(new Uint8Array([2 * i + 1]), new TextEncoder().encode(message))),
          onClose: () => {
            if (ended) return;
            ended = true;
            if (--this.open === 0) this.close();
          },
        });
      this.conns.push(conn);
    });
  }

  drain() {
    this.held.release();
  }

  receive(chunk: Uint8Array) {
    if (chunk.length === 0) return;
    const channel = chunk[0]!;
    // v5's close frame names the channel whose sender is done.
    if (channel === 255 && chunk.length > 1 && chunk[1]! % 2 === 0) return this.conns[chunk[1]! / 2]?.send(relayFrame(RELAY.end));
    if (channel % 2 === 0) this.conns[channel / 2]?.send(relayFrame(RELAY.data, chunk.subarray(1)));
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    for (const conn of this.conns) conn.close();
    this.hangUp();
  }
}

/** Opens forwarded connections through the agent of the pod's node. */
export function agentRelayOpener(target: AgentTarget, namespace: string, pod: string): RelayOpener {
  return (port, events) => {
    const url = `${target.base.replace(/^https/, "wss")}/portForward/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}?port=${port}`;
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${target.token}` }, protocols: [RELAY_PROTOCOL], tls: agentTls(target.caPem) } as unknown as string[]);
    ws.binaryType = "arraybuffer";
    const queue: Uint8Array[] = [];
    let closed = false;
    ws.onopen = () => {
      for (const m of queue.splice(0)) ws.send(m);
    };
    ws.onmessage = (ev) => {
      const bytes = new Uint8Array(ev.data as ArrayBuffer);
      if (bytes[0] === RELAY.data) events.onData(bytes.subarray(1));
      else if (bytes[0] === RELAY.error) events.onError(new TextDecoder().decode(bytes.subarray(1)));
    };
    const end = () => {
      if (closed) return;
      closed = true;
      events.onClose();
    };
    ws.onclose = end;
    ws.onerror = () => {
      events.onError(`cannot reach the agent of this pod's node to forward port ${port}`);
      end();
    };
    return {
      send(bytes) {
        if (ws.readyState === WebSocket.OPEN) ws.send(bytes);
        else if (ws.readyState === WebSocket.CONNECTING) queue.push(bytes);
      },
      close() {
        closed = true;
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
      },
    };
  };
}
