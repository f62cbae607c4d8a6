// A namespaced CRD with most of what a structural schema can say: the CRD tests and bench share it.
export const widgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wd"], categories: ["all"] },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        selectableFields: [{ jsonPath: ".spec.size" }],
        subresources: { status: {}, scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".status.selector" } },
        additionalPrinterColumns: [
          { name: "Size", type: "string", jsonPath: ".spec.size" },
          { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
          { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            description: "Widget is a test kind.",
            properties: {
              spec: {
                type: "object",
                description: "What the widget should be.",
                required: ["size"],
                properties: {
                  size: { type: "string", enum: ["small", "large"], description: "How big the widget is." },
                  replicas: { type: "integer", minimum: 0, maximum: 10, default: 1 },
                  color: { type: "string", pattern: "^[a-z]+$", maxLength: 8, default: "blue" },
                  email: { type: "string", format: "email" },
                  port: { "x-kubernetes-int-or-string": true },
                  tags: { type: "array", items: { type: "string" }, maxItems: 3, "x-kubernetes-list-type": "set" },
                  ports: {
                    type: "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    items: { type: "object", required: ["name"], properties: { name: { type: "string" }, port: { type: "integer" } } },
                  },
                  extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                  nick: { type: "string", nullable: true },
                  template: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
                },
              },
              status: {
                type: "object",
                properties: {
                  replicas: { type: "integer" },
                  selector: { type: "string" },
                  conditions: { type: "array", items: { type: "object", properties: { type: { type: "string" }, status: { type: "string" } } } },
                },
              },
            },
          },
        },
      },
      {
        name: "v1beta1",
        served: true,
        storage: false,
        deprecated: true,
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  },
};
