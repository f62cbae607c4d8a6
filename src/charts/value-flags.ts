// The flags that feed a chart its values and its view of the cluster, as Helm's
// template, install and upgrade commands all take them.
export const valueFlags = {
  values: { type: "string", short: "f", multiple: true },
  set: { type: "string", multiple: true },
  "set-string": { type: "string", multiple: true },
  "set-file": { type: "string", multiple: true },
  "set-json": { type: "string", multiple: true },
  "set-literal": { type: "string", multiple: true },
  "kube-version": { type: "string" },
  "api-versions": { type: "string", short: "a", multiple: true },
} as const;
