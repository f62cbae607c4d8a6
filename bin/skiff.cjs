#!/usr/bin/env node
// `npx skiff` from a checkout: run the TypeScript entry point with the Bun that npm installed.
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const bun = path.join(__dirname, "..", "node_modules", ".bin", "bun");
const entry = path.join(__dirname, "..", "src", "main.ts");
const r = spawnSync(bun, [entry, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
