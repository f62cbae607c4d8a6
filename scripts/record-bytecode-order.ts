// Records which functions `skiff server` runs while it starts, into
// scripts/bytecode-order/server.order; scripts/build.ts lays the executable's bytecode out
// by it. Run again after large changes to what the server loads at startup (an older
// profile still applies: functions it does not know are stored after the ones it names).
// Usage: bun scripts/record-bytecode-order.ts
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileExecutable, defaultEntry, serverBytecodeOrder, skiffLayout } from "./build.ts";

const work = mkdtempSync(join(tmpdir(), "skiff-bytecode-order-"));
try {
  const { outfile } = await compileExecutable({ entry: defaultEntry, outfile: join(work, "skiff"), arch: "amd64", ...skiffLayout() });
  const profile = join(work, "server.order");
  // A free port: the kernel picks one for a listener we close at once.
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  const dataDir = join(work, "data");
  const server = Bun.spawn([outfile, "server", "--disable-agent", "--data-dir", dataDir, "--bind-address", "127.0.0.1", "--https-listen-port", String(port)], {
    env: { ...process.env, BUN_BYTECODE_ORDER_OUT: profile },
    stdout: "pipe",
    stderr: "inherit",
  });
  // Started once the ready line is printed; then left a few seconds for its first timers.
  const reader = server.stdout.getReader();
  let out = "";
  while (!out.includes("skiff server ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`skiff server exited before it was ready:\n${out}`);
    out += new TextDecoder().decode(value);
  }
  await Bun.sleep(3000);
  server.kill("SIGTERM");
  if ((await server.exited) !== 0) throw new Error(`skiff server exited ${server.exitCode}`);
  writeFileSync(serverBytecodeOrder, readFileSync(profile));
  console.log(`wrote ${serverBytecodeOrder}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
