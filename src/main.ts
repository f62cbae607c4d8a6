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
  images: () => import("./cli/images.ts"),
  killall: () => import("./cli/killall.ts"),
  uninstall: () => import("./cli/uninstall.ts"),
  chart: () => import("./cli/chart.ts"),
};

const usage = `skiff ${VERSION}: a single-binary edge orchestrator

Usage: skiff <command> [flags]

Commands:
  server     run the control plane (API server, store, scheduler, controllers) and a node agent
  agent      join a node to a cluster and run its pods
  token      create, list and delete join tokens
  images     import image archives into this node's runtime
  killall    stop every pod of this node and remove what skiff put in the host network
  uninstall  killall, then delete the data dir
  chart      render, install, upgrade and roll back charts (Helm-compatible)
  version    print the version
`;

export async function main(argv: string[]): Promise<number> {
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
  return (await load()).run(rest);
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
