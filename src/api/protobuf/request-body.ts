// The API server's entry point for protobuf request bodies: decode, or answer with the
// Status a Kubernetes API server gives (400 for bytes it cannot read, 415 for kinds it
// does not decode from protobuf).
import { ApiError, badRequest } from "../errors.ts";
import { decodeKubeProtobuf, KubeProtobufError } from "./decode.ts";

export { KUBE_PROTOBUF_CONTENT_TYPE } from "./decode.ts";

/** The object a protobuf body carries, as the JSON API would have received it; undefined for an empty body. */
export function protobufRequestObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  if (bytes.length === 0) return undefined;
  try {
    return decodeKubeProtobuf(bytes).object;
  } catch (e) {
    if (!(e instanceof KubeProtobufError)) throw e;
    if (e.reason === "unsupported") throw new ApiError(415, "UnsupportedMediaType", e.message);
    throw badRequest(e.message);
  }
}
