import { test, expect, describe } from "bun:test";
import { isDNS1123Label, isDNS1123Subdomain, isDNS1035Label, isQualifiedName, isValidLabelValue, isConfigMapKey } from "../../../src/api/validation/index.ts";

describe("name syntax with upstream's messages", () => {
  test("RFC 1123 subdomain", () => {
    expect(isDNS1123Subdomain("my.app-1")).toEqual([]);
    expect(isDNS1123Subdomain("My_App")).toEqual([
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    expect(isDNS1123Subdomain("a".repeat(254))[0]).toBe("must be no more than 253 characters");
  });
  test("RFC 1123 label", () => {
    expect(isDNS1123Label("web-1")).toEqual([]);
    expect(isDNS1123Label("web.1")).toEqual([
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });
  test("DNS-1035 label (service names)", () => {
    expect(isDNS1035Label("web")).toEqual([]);
    expect(isDNS1035Label("1web")).toEqual([
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });
  test("qualified names (label and annotation keys)", () => {
    expect(isQualifiedName("app.kubernetes.io/name")).toEqual([]);
    expect(isQualifiedName("/name")).toEqual(["prefix part must be non-empty"]);
    expect(isQualifiedName("a/b/c")[0]).toStartWith("a qualified name must consist of alphanumeric characters");
    expect(isQualifiedName("Example.com/x")[0]).toStartWith("prefix part a lowercase RFC 1123 subdomain");
    expect(isQualifiedName("x".repeat(64))).toEqual(["name part must be no more than 63 characters"]);
    expect(isQualifiedName("")).toHaveLength(2);
  });
  test("label values and config keys", () => {
    expect(isValidLabelValue("")).toEqual([]);
    expect(isValidLabelValue("v1.2_x")).toEqual([]);
    expect(isValidLabelValue("-x")[0]).toStartWith("a valid label must be an empty string or consist of alphanumeric characters");
    expect(isConfigMapKey("app.properties")).toEqual([]);
    expect(isConfigMapKey("..data")).toEqual(["must not start with '..'"]);
    expect(isConfigMapKey("a/b")[0]).toStartWith("a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
  });
});
