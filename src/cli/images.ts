// `skiff images import FILE.tar…`: load image archives into this node's runtime (edge
// devices often have no registry; archives dropped in DIR/agent/images load at start too).
import { defaultServerOptions } from "../server/options.ts";
import { parseFlags } from "./flags.ts";
import { nodeDriver } from "./node-runtime.ts";

export async function run(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parseFlags(args, { "data-dir": { type: "string" }, name: { type: "string" } }, true);
    const [sub, ...files] = positionals;
    if (values.help || sub !== "import" || files.length === 0) {
      process.stdout.write("Usage: skiff images import [--data-dir DIR] [--name REF] FILE.tar…\n  --name REF  name a plain root-filesystem tar (image archives carry their own names)\n");
      return values.help ? 0 : 2;
    }
    const driver = await nodeDriver(values["data-dir"] ?? defaultServerOptions().dataDir);
    try {
      for (const f of files) {
        const names = await driver.importImage(f, values.name);
        console.log(`${f}: ${names.join(", ") || "imported"}`);
      }
    } finally {
      await driver.close();
    }
    return 0;
  } catch (e) {
    process.stderr.write(`skiff images: ${(e as Error).message}\n`);
    return 1;
  }
}
