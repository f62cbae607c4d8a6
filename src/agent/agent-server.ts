// The agent's HTTPS port (like the kubelet's 10250): health, metrics, and the log,
// exec, attach and port-forward streams the API server proxies to it. Only the API
// server (holding this node's proxy token) may read logs, exec, attach or forward.
import type { Server, ServerWebSocket } from "bun";
import type { Agent } from "./agent.ts";
import type { ExecSession } from "./runtime/types.ts";
import { CHANNEL, encodeFrame, exitStatus } from "../api/exec-protocol.ts";
import { ANONYMOUS_IDLE_SECONDS, frontDoor } from "../api/http/front-door.ts";
import { RELAY_PROTOCOL } from "../api/portforward-protocol.ts";
import { proxyToPod } from "./pod-proxy.ts";
import { closeRelay, drainRelay, openRelay, podAddress, relayMessage, type RelayData } from "./port-forward.ts";

type ExecData = { mode: "exec" | "attach"; container: string; command: string[]; stdin: boolean; tty: boolean; session?: ExecSession };
type StreamData = ExecData | ({ mode: "portforward" } & RelayData);

export function startAgentServer(agent: Agent, opts: { port: number; hostname: string; certPem: string; keyPem: string; proxyToken: string; metricsAnonymous: boolean }): Server<StreamData> {
  const authorized = (req: Request) => req.headers.get("authorization") === `Bearer ${opts.proxyToken}`;
  return Bun.serve<StreamData>({
    port: opts.port,
    hostname: opts.hostname,
    tls: { cert: opts.certPem, key: opts.keyPem },
    // Never Bun's error page (sources and paths of this machine), whatever NODE_ENV says.
    development: false,
    // Before the proxy token; the front door lengthens it per connection after it.
    idleTimeout: ANONYMOUS_IDLE_SECONDS,
    ...frontDoor<StreamData>(async (req, server) => {
      const url = new URL(req.url);
      const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
      if (url.pathname === "/healthz" || url.pathname === "/livez" || url.pathname === "/readyz") return new Response("ok");
      if (url.pathname === "/metrics" || url.pathname === "/metrics/resource") {
        const resource = url.pathname === "/metrics/resource";
        if (!(opts.metricsAnonymous && !resource) && !authorized(req)) return new Response("Unauthorized\n", { status: 401 });
        agent.metrics.lastContact.set(agent.source.lastContact / 1000);
        await agent.refreshStats().catch(() => {});
        const registry = resource ? agent.metrics.resource : agent.metrics.registry;
        return new Response(resource ? await agent.metrics.resourceText() : await registry.metrics(), { headers: { "Content-Type": registry.contentType } });
      }
      if (!authorized(req)) return new Response("Unauthorized\n", { status: 401 });
      const q = url.searchParams;
      if (parts[0] === "containerLogs" && parts.length === 4) {
        const [, ns, pod, container] = parts as [string, string, string, string];
        const previous = q.get("previous") === "true";
        const inst = await agent.findContainer(ns, pod, container, previous);
        if (!inst) {
          // The kubelet's wording: a container with no instance yet is still waiting to start.
          const message = previous ? `previous terminated container "${container}" in pod "${pod}" not found` : `container "${container}" in pod "${pod}" is waiting to start`;
          return new Response(`${message}\n`, { status: previous ? 404 : 400 });
        }
        const since = q.get("sinceSeconds") ? new Date(Date.now() - Number(q.get("sinceSeconds")) * 1000) : q.get("sinceTime") ? new Date(q.get("sinceTime")!) : undefined;
        const stream = agent.driver.logs(inst.id, {
          follow: q.get("follow") === "true",
          tail: q.get("tailLines") !== null ? Number(q.get("tailLines")) : undefined,
          timestamps: q.get("timestamps") === "true",
          since,
        });
        return new Response(stream, { headers: { "Content-Type": "text/plain", "Cache-Control": "no-cache" } });
      }
      if ((parts[0] === "exec" || parts[0] === "attach") && parts.length === 4) {
        const [mode, ns, pod, container] = parts as ["exec" | "attach", string, string, string];
        const inst = await agent.findContainer(ns, pod, container);
        if (!inst || inst.state !== "running") return new Response(`container ${container} is not running\n`, { status: 400 });
        const data: ExecData = { mode, container: inst.id, command: q.getAll("command"), stdin: q.get("stdin") === "true", tty: q.get("tty") === "true" };
        if (server?.upgrade(req, { data, headers: { "Sec-WebSocket-Protocol": "v5.channel.k8s.io" } })) return undefined;
        return new Response("expected a websocket upgrade\n", { status: 400 });
      }
      if (parts[0] === "podProxy") return proxyToPod(agent, req, url);
      if (parts[0] === "portForward" && parts.length === 3) {
        const [, ns, pod] = parts as [string, string, string];
        const port = Number(q.get("port"));
        if (!Number.isInteger(port) || port < 1 || port > 65535) return new Response("a port between 1 and 65535 is required\n", { status: 400 });
        const address = await podAddress(agent, ns, pod);
        if ("error" in address) return new Response(`${address.error}\n`, { status: 400 });
        const data: StreamData = { mode: "portforward", host: address.ip, port, podName: pod };
        if (server?.upgrade(req, { data, headers: { "Sec-WebSocket-Protocol": RELAY_PROTOCOL } })) return undefined;
        return new Response("expected a websocket upgrade\n", { status: 400 });
      }
      return new Response("not found\n", { status: 404 });
    }, { authenticated: authorized }),
    websocket: {
      open(ws: ServerWebSocket<StreamData>) {
        if (ws.data.mode === "portforward") return openRelay(ws as ServerWebSocket<RelayData>);
        const d = ws.data;
        const opts = { stdin: d.stdin, tty: d.tty };
        const session = d.mode === "attach" ? agent.driver.attach(d.container, opts) : agent.driver.exec(d.container, d.command, opts);
        d.session = session;
        const pump = async (stream: ReadableStream<Uint8Array> | null, channel: number) => {
          if (!stream) return;
          for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) ws.send(encodeFrame(channel, chunk));
        };
        void Promise.all([pump(session.stdout, CHANNEL.stdout), pump(session.stderr, CHANNEL.stderr)])
          .then(() => session.exitCode)
          .then(
            (code) => {
              // Attach ends with the container's output; its exit code is the pod's status, not the stream's.
              ws.send(encodeFrame(CHANNEL.error, new TextEncoder().encode(JSON.stringify(exitStatus(d.mode === "attach" ? 0 : code)))));
              ws.close(1000);
            },
            () => ws.close(1011),
          );
      },
      async message(ws, message) {
        const bytes = typeof message === "string" ? new TextEncoder().encode(message) : new Uint8Array(message);
        if (ws.data.mode === "portforward") return relayMessage(ws as ServerWebSocket<RelayData>, bytes);
        const session = ws.data.session;
        if (!session || bytes.length === 0) return;
        const channel = bytes[0];
        const payload = bytes.subarray(1);
        if (channel === CHANNEL.stdin && session.stdin) {
          const w = session.stdin.getWriter();
          await w.write(payload);
          w.releaseLock();
        } else if (channel === CHANNEL.resize) {
          try {
            const size = JSON.parse(new TextDecoder().decode(payload));
            if (size.Width && size.Height) session.resize(size.Width, size.Height);
          } catch {}
        } else if (channel === CHANNEL.close && payload[0] === CHANNEL.stdin && session.stdin) {
          await session.stdin.close().catch(() => {});
        }
      },
      drain(ws) {
        if (ws.data.mode === "portforward") drainRelay(ws as ServerWebSocket<RelayData>);
      },
      close(ws) {
        if (ws.data.mode === "portforward") return closeRelay(ws as ServerWebSocket<RelayData>);
        ws.data.session?.kill();
      },
    },
  });
}
