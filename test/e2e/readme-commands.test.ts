// The README's first lines as a user runs them: as root on a machine without sudo, and as a
// sudo user; and `npx skiff` (bin/skiff.cjs) passing a stop on to skiff itself.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

const root = join(import.meta.dir, "../..");
const asRoot = join(root, "scripts/as-root");
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
let tools = "";

beforeAll(() => {
  if (!Bun.which("setpriv")) throw new Error("setpriv not found: apt-get install -y util-linux");
  if (process.getuid?.() !== 0) throw new Error("this test runs as root (it switches to an unprivileged user itself)");
  tools = mkdtempSync(join(tmpdir(), "skiff-readme-"));
  chmodSync(tools, 0o755);
});
afterAll(() => rmSync(tools, { recursive: true, force: true }));

/** PATH with the system's tools but no sudo, plus `extra` first. */
function pathWithout(extra?: string) {
  const system = "/usr/local/bin:/usr/bin:/bin";
  return extra ? `${extra}:${system}` : system;
}

describe("README commands", () => {
  test("the two first commands start with no sudo and name scripts that exist", () => {
    const block = readFileSync(join(root, "README.md"), "utf8").split("```sh\n")[1]!.split("```")[0]!;
    const lines = block.trim().split("\n").map((l) => l.split("#")[0]!.trim());
    expect(lines.length).toBe(2);
    for (const line of lines) {
      expect(line.startsWith("sudo")).toBe(false);
      expect(line).toContain("bash scripts/setup.sh && scripts/as-root ");
    }
    expect(lines[0]).toEndWith("npx skiff server");
    expect(lines[1]).toEndWith("npm test");
    accessSync(asRoot, constants.X_OK);
  });

  test("as root without sudo, as-root runs the command itself", async () => {
    if (Bun.which("sudo", { PATH: pathWithout() })) throw new Error("this check needs a PATH without sudo; /usr/bin/sudo exists here");
    const r = await execa(asRoot, ["id", "-u"], { env: { PATH: pathWithout() }, reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe("0");
  });

  test("as a user, as-root goes through sudo with the caller's PATH", async () => {
    const log = join(tools, "sudo.log");
    writeFileSync(join(tools, "sudo"), `#!/bin/sh\necho "$@" > ${log}\n`, { mode: 0o755 });
    chmodSync(tools, 0o777);
    const r = await execa(NOBODY[0]!, [...NOBODY.slice(1), asRoot, "npm", "test"], { env: { PATH: pathWithout(tools) }, reject: false });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(log, "utf8").trim()).toBe(`env PATH=${pathWithout(tools)} npm test`);
  });

  test("as a user without sudo, as-root says to run it as root", async () => {
    const r = await execa(NOBODY[0]!, [...NOBODY.slice(1), asRoot, "id", "-u"], { env: { PATH: pathWithout() }, reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("run this as root");
  });

  test("SIGTERM to `npx skiff` stops skiff, not only the wrapper", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "skiff-wrapper-"));
    try {
      // An agent whose server is unreachable keeps retrying: a process that would run forever.
      const wrapper = Bun.spawn(["node", join(root, "bin/skiff.cjs"), "agent", "--server", "https://127.0.0.1:1", "--token", "a-bare-secret", "--data-dir", dataDir, "--node-name", "wrapper-test"], { stdout: "pipe", stderr: "pipe" });
      const running = async () => (await execa("pgrep", ["-f", "--", `--data-dir ${dataDir}`], { reject: false })).stdout.split("\n").filter(Boolean).map(Number).filter((pid) => pid !== wrapper.pid);
      const deadline = Date.now() + 30_000;
      while ((await running()).length === 0 && Date.now() < deadline) await Bun.sleep(200);
      expect((await running()).length).toBeGreaterThan(0);
      wrapper.kill("SIGTERM");
      await wrapper.exited;
      const gone = Date.now() + 10_000;
      while ((await running()).length > 0 && Date.now() < gone) await Bun.sleep(200);
      const left = await running();
      for (const pid of left) process.kill(pid, "SIGKILL");
      expect(left).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
