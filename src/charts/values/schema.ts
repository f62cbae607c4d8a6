// values.schema.json validation (the chart's and every subchart's, on its own section),
// worded like Helm's jsonschema errors.
import Ajv from "ajv";
import type { Chart } from "../chart-types.ts";
import { isTable, type Values } from "./coalesce.ts";

function jsonShape(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x)));
}

function validateOne(chart: Chart, values: Values, out: string[]): void {
  if (chart.schema) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const schema = JSON.parse(new TextDecoder().decode(chart.schema));
    const validate = ajv.compile(schema);
    if (!validate(jsonShape(values))) {
      const lines = (validate.errors ?? []).map((e) => {
        const at = e.instancePath.replace(/^\//, "").replaceAll("/", ".");
        const msg = e.keyword === "required" ? `missing property '${(e.params as { missingProperty: string }).missingProperty}'` : e.message ?? "invalid";
        return `- at '${e.instancePath}': ${msg}`.replace(`at '${e.instancePath}'`, `at '${at ? "/" + at.replaceAll(".", "/") : ""}'`);
      });
      out.push(`${chart.metadata.Name}:\n${lines.join("\n")}\n`);
    }
  }
  for (const sub of chart.dependencies) {
    const sv = values[sub.metadata.Name];
    validateOne(sub, isTable(sv) ? sv : {}, out);
  }
}

/** Throws Helm's "values don't meet the specifications" error when a schema rejects the values. */
export function validateAgainstSchemas(chart: Chart, values: Values): void {
  const out: string[] = [];
  validateOne(chart, values, out);
  if (out.length) throw new Error(`values don't meet the specifications of the schema(s) in the following chart(s):\n${out.join("")}`);
}
