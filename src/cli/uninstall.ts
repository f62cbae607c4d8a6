// `skiff uninstall`: killall, then delete the data dir.
import { rmSync } from "node:fs";
import { defaultServerOptions } from "../server/options.ts";
import { parseFlags } from "./flags.ts";
import { killall } from "./killall.ts";

export async function run(args: string[]): Promise<number> {
  try {
    const { values } = parseFlags(args, { "data-dir": { type: "string" } });
    if (values.help) {
      process.stdout.write("Usage: skiff uninstall [--data-dir DIR]\n");
      return 0;
    }
    const dir = values["data-dir"] ?? defaultServerOptions().dataDir;
    await killall(dir);
    rmSync(dir, { recursive: true, force: true });
    console.log(`skiff: uninstalled (${dir} removed)`);
    return 0;
  } catch (e) {
    process.stderr.write(`skiff uninstall: ${(e as Error).message}\n`);
    return 1;
  }
}
