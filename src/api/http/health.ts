// /livez and /readyz as upstream: "ok", or with ?verbose one line per check.
export type HealthCheck = { name: string; check: () => Promise<void> | void };

export async function healthResponse(checks: HealthCheck[], url: URL, what: "livez" | "readyz" | "healthz"): Promise<Response> {
  const lines: string[] = [];
  let failed = false;
  for (const c of checks) {
    try {
      await c.check();
      lines.push(`[+]${c.name} ok`);
    } catch (e) {
      failed = true;
      lines.push(`[-]${c.name} failed: ${(e as Error).message}`);
    }
  }
  const verbose = url.searchParams.has("verbose");
  const body = verbose || failed ? `${lines.join("\n")}\n${what} check ${failed ? "failed" : "passed"}\n` : "ok";
  return new Response(body, { status: failed ? 500 : 200, headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" } });
}
