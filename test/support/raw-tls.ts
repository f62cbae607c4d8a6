// Raw bytes over TLS to a loopback server: for requests no HTTP client would send
// (bad Host, unknown methods, huge request lines) and for watching when the server closes.
import { connect, type TLSSocket } from "node:tls";

export type RawReply = {
  /** Everything the server sent, as latin1 text. */
  text: string;
  /** The status code of the first response, or 0 when nothing came back. */
  status: number;
  /** The body of the first response (after the blank line). */
  body: string;
  /** Milliseconds from the request to the server closing; NaN when still open at `waitMs`. */
  closedAfterMs: number;
};

/** Sends `request` on a new connection and collects the reply until the server closes it or `waitMs` passes. */
export function rawRequest(port: number, request: string | Uint8Array, waitMs = 5_000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    let text = "";
    let sentAt = 0;
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      sentAt = performance.now();
      socket.write(request);
    });
    const finish = (closedAfterMs: number) => {
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const split = text.indexOf("\r\n\r\n");
      resolve({ text, status, body: split < 0 ? "" : text.slice(split + 4), closedAfterMs });
    };
    const timer = setTimeout(() => finish(NaN), waitMs);
    socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
    // A reset after the reply still counts as a close; before the handshake it is an error.
    socket.on("error", (e) => (sentAt ? undefined : (clearTimeout(timer), reject(e))));
    socket.on("close", () => finish(sentAt ? performance.now() - sentAt : NaN));
  });
}

/** An open TLS connection that stays idle; `closed` resolves with the ms it lived. */
export function idleConnection(port: number, firstRequest?: string): { socket: TLSSocket; closed: Promise<number>; received: () => string } {
  let received = "";
  const opened = performance.now();
  const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
    if (firstRequest) socket.write(firstRequest);
  });
  socket.on("data", (d: Buffer) => (received += d.toString("latin1")));
  socket.on("error", () => {});
  const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(performance.now() - opened)));
  return { socket, closed, received: () => received };
}
