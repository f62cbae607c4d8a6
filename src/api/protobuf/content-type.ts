// The protobuf media type, apart from the decoder and its generated tables, so that
// recognising a protobuf request loads neither until one arrives.
export const KUBE_PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf";
