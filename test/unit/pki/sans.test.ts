// Which names the serving certificate must carry, one spelling per address.
import { describe, expect, test } from "bun:test";
import { canonicalIp, missingSans, requestedSans, sanSetOf, unionSans } from "../../../src/server/pki/sans.ts";

describe("SAN sets", () => {
  test("IPv6 addresses compare by value, not spelling", () => {
    expect(canonicalIp("0:0:0:0:0:0:0:1")).toBe("::1");
    expect(canonicalIp("[FD00:0::0:5]")).toBe("fd00::5");
    expect(canonicalIp("fe80::1%eth0")).toBe("fe80::1");
    expect(canonicalIp("10.0.0.1")).toBe("10.0.0.1");
  });

  test("a bracketed IPv6 bind address and duplicate extra names give one entry each", () => {
    const set = requestedSans({ hostname: "Node.Example.", bindAddress: "[fd00::0:5]", extraSans: ["0:0:0:0:0:0:0:1", "LOCALHOST", " node.example ", ""] });
    expect(set.ips).toEqual(["127.0.0.1", "::1", "fd00::5"]);
    expect(set.dns).toEqual(["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "node.example"]);
  });

  test("a host-name bind address is a DNS name", () => {
    expect(requestedSans({ hostname: "h", bindAddress: "api.internal" }).dns).toContain("api.internal");
  });

  test("missing and union", () => {
    const have = sanSetOf(["a.example", "10.0.0.1"]);
    const want = sanSetOf(["A.example", "b.example", "10.0.0.1", "::1"]);
    expect(missingSans(have, want)).toEqual({ dns: ["b.example"], ips: ["::1"] });
    expect(unionSans(have, want)).toEqual({ dns: ["a.example", "b.example"], ips: ["10.0.0.1", "::1"] });
    expect(missingSans(unionSans(have, want), want)).toEqual({ dns: [], ips: [] });
  });
});
