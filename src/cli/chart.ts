// `skiff chart template [NAME] CHART [flags]`: render a Helm chart locally, printing
// exactly what `helm template` prints (errors as "Error: ..." on stderr, exit 1).
import { parseFlags, UsageError } from "./flags.ts";
import { valueFlags } from "../charts/value-flags.ts";

const usage = `Usage: skiff chart template [NAME] CHART [flags]

Render a chart (folder or .tgz) locally and print the manifests.

Flags:
  -f, --values FILE          values file (repeatable)
      --set K=V              set values (repeatable; lists a[0]=x, {a,b}, escapes)
      --set-string K=V       set string values
      --set-file K=PATH      set values from files
      --set-json K=JSON      set JSON values
      --set-literal K=V      set a literal string value
  -n, --namespace NS         release namespace (default "default")
      --name-template TPL    template for the release name
      --kube-version V       Kubernetes version for .Capabilities (default 1.32.0)
  -a, --api-versions LIST    extra API versions for .Capabilities (repeatable, comma-separated)
  -s, --show-only PATH       only show manifests from these templates (globs)
      --include-crds         include CRDs from crds/ folders
      --skip-tests           leave out test hooks
      --no-hooks             leave out all hooks
      --debug                on invalid YAML, print the rendered files too
`;

export interface CommandOutput { stdout: string; stderr: string; code: number }

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const release = await import("../charts/release/cli.ts");
  if (sub && release.RELEASE_SUBCOMMANDS.includes(sub)) {
    const r = await release.releaseCommand(args);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.code;
  }
  if (sub !== "template") {
    process.stderr.write(`${sub ? `skiff chart: unknown subcommand "${sub}"\n\n` : ""}${usage}\n${release.releaseUsage}`);
    return sub ? 1 : 0;
  }
  const r = await templateCommand(rest);
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r.code;
}

/** `chart template` with its output captured (what run() prints). */
export async function templateCommand(args: string[]): Promise<CommandOutput> {
  const out: CommandOutput = { stdout: "", stderr: "", code: 0 };
  try {
    out.code = await template(args, out);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    out.stderr += `Error: ${e.message}\n`;
    out.code = 1;
  }
  return out;
}

async function template(args: string[], io: CommandOutput): Promise<number> {
  const { values: f, positionals } = parseFlags(args, {
    ...valueFlags,
    namespace: { type: "string", short: "n" },
    "name-template": { type: "string" },
    "show-only": { type: "string", short: "s", multiple: true },
    "include-crds": { type: "boolean" },
    "skip-tests": { type: "boolean" },
    "no-hooks": { type: "boolean" },
    debug: { type: "boolean" },
    "generate-name": { type: "boolean", short: "g" },
  }, true);
  if (f.help) { io.stdout += usage; return 0; }
  const { renderChart, ChartRenderError } = await import("../charts/render-chart.ts");
  const { templateOutput } = await import("../charts/template-output.ts");
  const { renderReleaseName } = await import("../charts/release-name.ts");

  const fail = (msg: string) => { io.stderr += `Error: ${msg}\n`; return 1; };
  if (positionals.length === 0 || positionals.length > 2) return fail(`"skiff chart template" requires at least 1 argument\n\n${usage}`);
  const chartPath = positionals[positionals.length - 1]!;
  try {
    let name = positionals.length === 2 ? positionals[0]! : "release-name";
    if (f["name-template"]) name = renderReleaseName(f["name-template"]);
    const result = renderChart(chartPath, {
      releaseName: name,
      namespace: f.namespace ?? "default",
      kubeVersion: f["kube-version"],
      apiVersions: (f["api-versions"] ?? []).flatMap((s) => s.split(",")).filter(Boolean),
      valueFiles: f.values,
      values: f.set,
      stringValues: f["set-string"],
      fileValues: f["set-file"],
      jsonValues: f["set-json"],
      literalValues: f["set-literal"],
    });
    io.stdout += (templateOutput(result, {
      includeCrds: f["include-crds"], skipTests: f["skip-tests"], noHooks: f["no-hooks"], showOnly: f["show-only"],
    }));
    return 0;
  } catch (e) {
    const msg = (e as Error).message;
    if (e instanceof ChartRenderError && e.partialManifest !== null) {
      if (f.debug) {
        const blob = e.partialManifest.trim();
        if (blob) io.stdout += blob + "\n";
        return fail(msg);
      }
      return fail(`${msg}\n\nUse --debug flag to render out invalid YAML`);
    }
    return fail(msg);
  }
}
