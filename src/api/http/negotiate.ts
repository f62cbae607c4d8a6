// What representation the client asked for in its Accept header.
export type Representation = { table: boolean; partialMetadata: boolean };

export function representation(accept: string | null): Representation {
  const first = (accept ?? "").split(",").map((s) => s.trim())[0] ?? "";
  // Clients list what they prefer first; kubectl puts the Table form first when it wants one.
  const params = new Map(first.split(";").slice(1).map((p) => p.trim().split("=") as [string, string]));
  const as = params.get("as");
  const g = params.get("g");
  return { table: as === "Table" && g === "meta.k8s.io", partialMetadata: (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") && g === "meta.k8s.io" };
}

export function includeObjectParam(v: string | null): "None" | "Metadata" | "Object" {
  return v === "None" || v === "Object" ? v : "Metadata";
}
