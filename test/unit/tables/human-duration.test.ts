import { test, expect } from "bun:test";
import { humanDuration, since } from "../../../src/api/tables/index.ts";

// Cases of k8s.io/apimachinery/pkg/util/duration's HumanDuration tests.
const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const cases: [number, string][] = [
  [-2 * s, "<invalid>"],
  [-1 * s, "0s"],
  [0, "0s"],
  [1 * s, "1s"],
  [59 * s, "59s"],
  [119 * s, "119s"],
  [2 * m, "2m"],
  [3 * m + 2 * s, "3m2s"],
  [9 * m + 59 * s, "9m59s"],
  [10 * m, "10m"],
  [179 * m, "179m"],
  [3 * h, "3h"],
  [5 * h + 30 * m, "5h30m"],
  [7 * h + 59 * m, "7h59m"],
  [8 * h, "8h"],
  [47 * h + 59 * m, "47h"],
  [48 * h, "2d"],
  [2 * d + 3 * h, "2d3h"],
  [7 * d + 23 * h, "7d23h"],
  [8 * d, "8d"],
  [729 * d, "729d"],
  [730 * d, "2y"],
  [731 * d, "2y1d"],
  [8 * 365 * d, "8y"],
  [10 * 365 * d, "10y"],
];
for (const [ms, want] of cases) test(`HumanDuration(${ms}ms) = ${want}`, () => expect(humanDuration(ms)).toBe(want));

test("a missing timestamp is <unknown>", () => {
  expect(since(undefined, Date.now())).toBe("<unknown>");
  expect(since("2024-01-01T00:00:00Z", Date.parse("2024-01-01T00:05:00Z"))).toBe("5m");
});
