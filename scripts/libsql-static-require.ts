// Bun.build plugin: libsql picks its native addon at run time with a computed
// require(`@libsql/${target}`), which `bun build --compile` cannot follow, so the
// executable would look for node_modules beside it. Rewriting that call into a static
// require of one addon file lets the bundler embed the addon in the executable.
import type { BunPlugin } from "bun";

// libsql's own index.js and promise.js (not drizzle-orm/libsql/index.js).
const libsqlEntry = /[\\/]node_modules[\\/]libsql[\\/](index|promise)\.js$/;
const computedRequire = /require\(`@libsql\/\$\{target\}`\)/g;

export function libsqlStaticRequire(addonPath: string): BunPlugin {
  return {
    name: "libsql-static-require",
    setup(build) {
      build.onLoad({ filter: libsqlEntry }, async ({ path }) => {
        const source = await Bun.file(path).text();
        const rewritten = source.replace(computedRequire, () => `require(${JSON.stringify(addonPath)})`);
        // A libsql release that loads its addon differently must stop the build, not
        // produce an executable that fails on its first database open.
        if (rewritten === source) throw new Error(`${path}: no require(\`@libsql/\${target}\`) to rewrite`);
        return { contents: rewritten, loader: "js" };
      });
    },
  };
}
