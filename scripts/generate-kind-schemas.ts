// Regenerates every schema table derived from the kind declarations (src/api/kinds):
// field names and types (kube-schema.generated.ts, from kubernetes-types) and protobuf
// field numbers (kube-proto-schema.generated.ts, from the descriptors inside kubectl).
// Run after adding or changing a kind: bun scripts/generate-kind-schemas.ts [/path/to/kubectl]
import { writeFileSync } from "node:fs";
import { allKinds } from "../src/api/kinds/index.ts";
import { apiVersionOf } from "../src/api/kinds/kind.ts";
import { generateValidationSchema, VALIDATION_SCHEMA_FILE } from "../src/api/validation/schema/generate-schema.ts";
import { findKubectl, generateProtoSchema, PROTO_SCHEMA_FILE } from "../src/api/protobuf/generate-schema.ts";
import { withOtherVersions } from "../src/api/http/other-versions.ts";
import { generateOpenapiDocs, OPENAPI_DOCS_FILE } from "../src/api/http/openapi-docs-source.ts";

// Every served version's type: the stored ones for validation, the others for OpenAPI.
const validationTypes = [...new Set(withOtherVersions(allKinds).map((k) => k.schema.validation))];
writeFileSync(VALIDATION_SCHEMA_FILE, generateValidationSchema(validationTypes));
console.log(`${VALIDATION_SCHEMA_FILE}: ${validationTypes.length} kinds`);
// OpenAPI descriptions of every type of the table just written (read back from it).
const { objectTypes } = await import(`${VALIDATION_SCHEMA_FILE}?${Date.now()}`);
writeFileSync(OPENAPI_DOCS_FILE, generateOpenapiDocs(Object.keys(objectTypes)));
console.log(`${OPENAPI_DOCS_FILE}: ${Object.keys(objectTypes).length} types`);

const kubectl = process.argv[2] ?? findKubectl();
if (!kubectl) throw new Error("no kubectl binary found: pass its path as the first argument");
const proto = generateProtoSchema(kubectl, withOtherVersions(allKinds).map((k) => [`${apiVersionOf(k)}/${k.kind}`, k.schema.protobuf]));
writeFileSync(PROTO_SCHEMA_FILE, proto.source);
console.log(`${PROTO_SCHEMA_FILE}: ${proto.messages} messages from ${kubectl}`);
for (const n of proto.notes) console.log(n);
