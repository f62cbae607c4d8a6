// Validation of the served kinds: upstream's semantic checks, and the schema walk behind
// fieldValidation=Strict/Warn and type errors.
export { unknownFields, typeErrors } from "./schema/type-check.ts";
export { validateObjectMeta, validateObjectMetaUpdate, validateMeta, validateLabels, validateAnnotations } from "./object-meta.ts";
export { validatePod, validatePodSpec, validatePodSpecUpdate } from "./pod.ts";
export { validateDeployment, validateReplicaSet, validateLabelSelector } from "./apps.ts";
export { validateService, validateEndpoints, validateEndpointSlice } from "./service.ts";
export { validateConfigMap, validateSecret } from "./config.ts";
export { validateNamespace, validateNode, validateEvent, validateServiceAccount, validateLease } from "./cluster.ts";
export { isDNS1123Label, isDNS1123Subdomain, isDNS1035Label, isQualifiedName, isValidLabelValue, isConfigMapKey } from "./names.ts";
