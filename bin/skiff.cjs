#!/usr/bin/env node
// `npx skiff` from a checkout: run the TypeScript entry point with the Bun that npm installed.
// Signals sent to this wrapper reach skiff, so a stop sent to `npx skiff …` stops skiff too.
const { spawn } = require("node:child_process");
const path = require("node:path");
const bun = path.join(__dirname, "..", "node_modules", ".bin", "bun");
const entry = path.join(__dirname, "..", "src", "main.ts");
const child = spawn(bun, [entry, ...process.argv.slice(2)], { stdio: "inherit" });
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("error", (e) => {
  process.stderr.write(`skiff: cannot run ${bun}: ${e.message} (run npm ci first)\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + (require("node:os").constants.signals[signal] ?? 0) : 1)));
