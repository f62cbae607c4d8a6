import { describe, expect, test } from "bun:test";
import { PodIpAllocator } from "../../../src/agent/runtime/pod-ip-allocator.ts";
import { RuntimeError } from "../../../src/agent/runtime/errors.ts";

describe("PodIpAllocator", () => {
  test("starts after the gateway and never hands out one address twice", () => {
    const a = new PodIpAllocator("10.42.1.0/24");
    expect(a.assign("p1", [])).toBe("10.42.1.2");
    expect(a.assign("p2", [])).toBe("10.42.1.3");
    expect(a.assignedTo("p1")).toBe("10.42.1.2");
  });

  test("skips addresses the runtime reports in use", () => {
    const a = new PodIpAllocator("10.42.1.0/24");
    expect(a.assign("p1", ["10.42.1.2", undefined, "10.42.1.3"])).toBe("10.42.1.4");
  });

  test("goes round the subnet: a released address is not reused at once, and the broadcast address never", () => {
    const a = new PodIpAllocator("10.0.0.0/29"); // .2 … .6 usable for pods (.1 gateway, .7 broadcast)
    const given = ["a", "b", "c", "d", "e"].map((uid) => a.assign(uid, []));
    expect(given).toEqual(["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]);
    expect(() => a.assign("f", [])).toThrow(RuntimeError);
    a.release("b");
    expect(a.assign("f", [])).toBe("10.0.0.3");
    a.release("a");
    a.release("c");
    expect(a.assign("g", [])).toBe("10.0.0.4"); // onwards from the last one handed out…
    expect(a.assign("h", [])).toBe("10.0.0.2"); // …then round to the start
  });

  test("a pod assigned again gives up its previous address", () => {
    const a = new PodIpAllocator("192.168.7.0/30");
    expect(a.assign("p", [])).toBe("192.168.7.2");
    expect(() => a.assign("q", [])).toThrow(/no free address/);
    expect(a.assign("p", [])).toBe("192.168.7.2");
  });

  test("subnet not in the network's own form is aligned; a malformed one refused", () => {
    expect(new PodIpAllocator("10.42.3.77/24").assign("p", [])).toBe("10.42.3.2");
    expect(() => new PodIpAllocator("10.42.3.0")).toThrow(/invalid IPv4 pod subnet/);
    expect(() => new PodIpAllocator("fd00::/64")).toThrow(/invalid IPv4 pod subnet/);
  });
});
