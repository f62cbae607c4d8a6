// The NAME[:PORT] and SCHEME:NAME:PORT forms of a proxy subresource's name, as upstream reads them.
import { describe, expect, test } from "bun:test";
import { splitName } from "../../../src/server/proxy.ts";
import { ApiError } from "../../../src/api/errors.ts";

describe("proxy names", () => {
  test("name, name:port, scheme:name:port", () => {
    expect(splitName("web")).toEqual({ name: "web" });
    expect(splitName("web:80")).toEqual({ name: "web", port: "80" });
    expect(splitName("web:http")).toEqual({ name: "web", port: "http" });
    expect(splitName("https:web:443")).toEqual({ scheme: "https", name: "web", port: "443" });
    expect(splitName("http:web:")).toEqual({ scheme: "http", name: "web", port: undefined });
    expect(splitName(":web:8080")).toEqual({ scheme: undefined, name: "web", port: "8080" });
  });

  test("anything else is a 400", () => {
    for (const bad of ["ftp:web:21", "a:b:c:d"]) {
      let err: unknown;
      try {
        splitName(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(400);
      expect((err as ApiError).message).toContain(`invalid proxy name "${bad}"`);
    }
  });
});
