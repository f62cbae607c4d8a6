// The bundler embeds a dynamically imported module only when the import names it with a
// plain string (`import("./cli/server.ts")`). A computed one (`import(\`./cli/${name}.ts\`)`)
// compiles without complaint and then fails at run time inside the executable, so the
// build looks for those in skiff's own sources and refuses them.
import { readFileSync } from "node:fs";

export type ComputedImport = { file: string; line: number; text: string };

// `import(` not directly followed by a quote: a template literal, variable or expression.
const computedImport = /\bimport\(\s*(?!["'])/;
// Same for require(), which the bundler resolves the same way.
const computedRequire = /\brequire\(\s*(?!["'])/;

export function findComputedImports(files: string[]): ComputedImport[] {
  const found: ComputedImport[] = [];
  for (const file of files) {
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((text, i) => {
        const code = text.trimStart();
        if (code.startsWith("//") || code.startsWith("*") || code.startsWith("/*")) return;
        if (computedImport.test(code) || computedRequire.test(code)) found.push({ file, line: i + 1, text: code });
      });
  }
  return found;
}
