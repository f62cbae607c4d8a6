export const VERSION = "0.1.0";
// The Kubernetes API version skiff speaks; kubectl's dispatcher picks its client by the minor.
export const KUBE_VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0-skiff" };
