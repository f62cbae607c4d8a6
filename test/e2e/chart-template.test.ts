import { test, expect, describe } from "bun:test";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

// `skiff chart template` as a process: stdout, stderr and exit code as helm's.
const root = join(import.meta.dir, "../..");
const fx = join(root, "test/fixtures/helm");
const bun = process.execPath;

async function skiff(...args: string[]) {
  const p = Bun.spawn([bun, join(root, "src/main.ts"), "chart", "template", ...args], { stdout: "pipe", stderr: "pipe", cwd: root });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { stdout, stderr, code };
}

describe("skiff chart template", () => {
  test("the template engine is present", () => {
    expect(existsSync(join(root, "src/charts/gotemplate/index.ts"))).toBe(true);
  });

  test("renders Helm's subchart test chart like helm template", async () => {
    const r = await skiff("release-name", join(fx, "testcharts/subchart"), "--kube-version", "1.20.0");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(fx, "output/template.txt"), "utf8"));
  });

  test("renders the helm create scaffold with --set", async () => {
    const r = await skiff("release-name", join(fx, "scaffold/scaffold"), "--kube-version", "1.20.0", "--set", "ingress.enabled=true");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(fx, "output-scaffold/ingress.txt"), "utf8"));
  });

  test("chart errors go to stderr with exit code 1", async () => {
    const r = await skiff(join(fx, "testcharts/chart-bad-type"));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("Error: validation: chart.metadata.type must be application or library\n");
  });

  test("an execution error through nested includes prints Helm v4's multi-line form on stderr", async () => {
    const r = await skiff("release-name", join(fx, "v4charts/exec-errors"), "--kube-version", "1.20.0", "--set", "case=nested-include");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(readFileSync(join(fx, "output-v4/exec-errors-nested-include.txt"), "utf8"));
  });

  test("a missing chart path is reported", async () => {
    const r = await skiff(join(fx, "no-such-chart"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not found");
  });
});
