// Resource paths, as upstream lays them out:
//   /api/v1[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]
//   /apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]
// (the proxy subresource takes any path after it: .../{name}/proxy/{path…}),
// plus the legacy /watch/ prefix before the namespace/plural part.
export type ResourcePath = {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
  legacyWatch: boolean;
};

/** The decoded segments of a path, or null when its percent-encoding is malformed ("%", "%ff%fe"). */
export function pathSegments(pathname: string): string[] | null {
  try {
    return pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
}

/** Null when the path names no resource, or cannot be decoded (the API answers 400 for that first). */
export function parseResourcePath(pathname: string): ResourcePath | null {
  const parts = pathSegments(pathname);
  if (!parts) return null;
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    group = "";
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else return null;
  let legacyWatch = false;
  if (rest[0] === "watch") {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize"))) {
    const [, namespace, plural, name, subresource, ...extra] = rest;
    if (extra.length && subresource !== "proxy") return null;
    return { group, version, namespace, plural: plural!, name, subresource, legacyWatch };
  }
  const [plural, name, subresource, ...extra] = rest;
  if (!plural || (extra.length && subresource !== "proxy")) return null;
  return { group, version, plural, name, subresource, legacyWatch };
}
