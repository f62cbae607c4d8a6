import { describe, expect, test } from "bun:test";
import { classifyPodmanStderr, podmanMessage, podmanNotFound } from "../../../src/agent/runtime/errors.ts";

describe("podman error classification", () => {
  test("stderr texts of podman 4.3 map to error codes", () => {
    expect(classifyPodmanStderr("Error: localhost/nope:1: image not known\n")).toBe("ImageNotFound");
    expect(classifyPodmanStderr('Error: no container with name or ID "x" found: no such container\n')).toBe("NotFound");
    expect(classifyPodmanStderr("Error: no pod with name or ID x found: no such pod\n")).toBe("NotFound");
    expect(classifyPodmanStderr('Error: creating container storage: the container name "a" is already in use by b')).toBe(
      "NameInUse",
    );
    expect(classifyPodmanStderr("Error: OCI runtime error: runc: something broke")).toBe("Failed");
  });

  test("the message is podman's last line without its prefix", () => {
    expect(podmanMessage('time="x" level=warning msg="y"\nError: localhost/nope:1: image not known\n')).toBe(
      "localhost/nope:1: image not known",
    );
    expect(podmanMessage("")).toBe("");
  });

  test("a missing podman names the packages to install", () => {
    const e = podmanNotFound();
    expect(e.code).toBe("RuntimeMissing");
    expect(e.message).toBe("podman not found: apt-get install -y podman runc");
  });
});
