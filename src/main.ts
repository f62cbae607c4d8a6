#!/usr/bin/env bun
// skiff: one binary, several commands. Each command lives in src/cli/<name>.ts
// and exports `run(args)`, resolving to the process exit code.
// @peculiar/x509 needs the Reflect metadata polyfill before it loads; in the bundled binary
// only an import at the very top of the entry point is sure to run first.
import "reflect-metadata";
import { VERSION } from "./version.ts";

type Command = { run(args: string[]): Promise<number> };

const commands: Record<string, () => Promise<Command>> = {
  server: () => import("./cli/server.ts"),
  agent: () => import("./cli/agent.ts"),
  token: () => import("./cli/token.ts"),
  kubeconfig: () => import("./cli/kubeconfig-create.ts"),
  images: () => import("./cli/images.ts"),
  killall: () => import("./cli/killall.ts"),
  uninstall: () => import("./cli/uninstall.ts"),
  chart: () => import("./cli/chart.ts"),
  "hollow-agents": () => import("./cli/hollow-agents.ts"),
};

/** Commands that keep running and call settleAfterStartup (src/cli/settle.ts) once they serve. */
const services = new Set(["server", "agent", "hollow-agents"]);

const usage = `skiff ${VERSION}: a single-binary edge orchestrator

Usage: skiff <command> [flags]

Commands:
  server     run the control plane (API server, store, scheduler, controllers) and a node agent
  agent      join a node to a cluster and run its pods
  token      create, list and delete join tokens
  kubeconfig create a kubeconfig for a user bound by RBAC to view, edit, admin or cluster-admin
  images     import image archives into this node's runtime
  killall    stop every pod of this node and remove what skiff put in the host network
  uninstall  killall, then delete the data dir
  chart      render, install, upgrade and roll back charts (Helm-compatible)
  hollow-agents  simulate many node agents over the API (a test and benchmark tool)
  version    print the version
`;

/** Loads the command `argv` names; a number when there is nothing more to run (help, version, usage error). */
async function loadCommand(argv: string[]): Promise<{ command: Command; args: string[] } | number> {
  const [name, ...rest] = argv;
  if (name === "version" || name === "--version" || name === "-v") {
    console.log(`skiff version ${VERSION}`);
    return 0;
  }
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(usage);
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`skiff: unknown command "${name}"\n\n${usage}`);
    return 1;
  }
  return { command: await load(), args: rest };
}

if (import.meta.main) {
  // Only loading the command is awaited here: the executable's entry module then finishes
  // evaluating, and Bun drops from memory the pages of the embedded sources and native
  // addon it has already used (about 9 MB of resident pages while a server runs).
  const loaded = await loadCommand(process.argv.slice(2));
  if (typeof loaded === "number") process.exitCode = loaded;
  else {
    // The executable starts with a reluctant JIT (scripts/build.ts); the commands that serve
    // restore the normal policy once they are up, the others at once.
    const service = services.has(process.argv[2]!);
    if (!service) Bun.unsafe.setJITPolicy(1);
    void loaded.command.run(loaded.args).then(
      // A service has stopped (or failed to start) with everything it started closed; what
      // may be left (a retry's timer, a request to a dead server) must not keep it alive.
      (code) => (service ? process.exit(code) : (process.exitCode = code)),
      (e: Error) => {
        process.stderr.write(`skiff: ${e.message}\n`);
        process.exit(1);
      },
    );
  }
}
