// `.Capabilities`: the Kubernetes version and API groups the chart renders against.

export const DEFAULT_KUBE_VERSION = "v1.32.0";

/** The API group/versions a stock cluster of skiff's version serves (Helm's DefaultVersionSet analogue). */
const DEFAULT_API_VERSIONS = [
  "v1", "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "apiregistration.k8s.io/v1",
  "apps/v1", "authentication.k8s.io/v1", "authorization.k8s.io/v1", "autoscaling/v1", "autoscaling/v2",
  "batch/v1", "certificates.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1", "events.k8s.io/v1",
  "flowcontrol.apiserver.k8s.io/v1", "networking.k8s.io/v1", "node.k8s.io/v1", "policy/v1",
  "rbac.authorization.k8s.io/v1", "scheduling.k8s.io/v1", "storage.k8s.io/v1",
];

export class KubeVersion {
  readonly Version: string;
  readonly Major: string;
  readonly Minor: string;
  readonly GitVersion: string;
  constructor(version: string) {
    const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(version.trim());
    if (!m) throw new Error(`invalid kube version ${JSON.stringify(version)}`);
    this.Major = m[1]!;
    this.Minor = m[2] ?? "0";
    this.Version = `v${m[1]}.${m[2] ?? "0"}.${m[3] ?? "0"}${m[4] ?? ""}`;
    this.GitVersion = this.Version;
  }
  toString() { return this.Version; }
}

/** A struct (not a slice) so templates can call `.Capabilities.APIVersions.Has "apps/v1"`. */
export class VersionSet {
  constructor(readonly versions: string[]) {}
  Has(v: string): boolean { return this.versions.includes(v); }
  toString() { return `[${this.versions.join(" ")}]`; }
}

export interface Capabilities {
  KubeVersion: KubeVersion;
  APIVersions: VersionSet;
  HelmVersion: { Version: string; GitCommit: string; GitTreeState: string; GoVersion: string };
}

export function makeCapabilities(kubeVersion = DEFAULT_KUBE_VERSION, extraApiVersions: string[] = []): Capabilities {
  return {
    KubeVersion: new KubeVersion(kubeVersion),
    APIVersions: new VersionSet([...DEFAULT_API_VERSIONS, ...extraApiVersions]),
    HelmVersion: { Version: "v3.21.4", GitCommit: "", GitTreeState: "clean", GoVersion: "" },
  };
}
