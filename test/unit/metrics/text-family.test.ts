import { describe, expect, test } from "bun:test";
import { Gauge, Registry } from "prom-client";
import { labelText, TextFamily, TextRegistry } from "../../../src/server/metrics/text-family.ts";

describe("text families", () => {
  test("write the same exposition as prom-client, escapes and special values included", async () => {
    const odd = { node: 'a"b\\c\nd', resource: "cpu" };
    const plain = new Registry();
    const g = new Gauge({ name: "x_value", help: "A help\\text\nwith a newline.", labelNames: ["node", "resource"], registers: [plain] });
    g.set(odd, 1.5);
    g.set({ node: "n", resource: "m" }, Number.POSITIVE_INFINITY);
    g.set({ node: "n", resource: "nan" }, Number.NaN);

    const fast = new TextRegistry();
    const labels = [labelText(odd), labelText({ node: "n", resource: "m" }), labelText({ node: "n", resource: "nan" })];
    const values = [1.5, Number.POSITIVE_INFINITY, Number.NaN];
    new TextFamily({ name: "x_value", help: "A help\\text\nwith a newline.", type: "gauge", registers: [fast], series: (emit) => labels.forEach((l, i) => emit(l, values[i]!)) });
    expect(await fast.metrics()).toBe(await plain.metrics());
  });

  test("a plain prom-client Registry reads a text family through get()", async () => {
    const plain = new Registry();
    new TextFamily({ name: "y_total", help: "Y.", type: "counter", registers: [plain], series: (emit) => emit(labelText({ name: 'q"uote' }), 3) });
    expect((await plain.getSingleMetric("y_total")!.get()).values).toEqual([{ labels: { name: 'q"uote' }, value: 3 }]);
    expect(await plain.metrics()).toBe('# HELP y_total Y.\n# TYPE y_total counter\ny_total{name="q\\"uote"} 3\n');
  });
});
