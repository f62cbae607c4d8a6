// One file of the auto-deploy folder, split into objects to apply and HelmCharts to deploy.
// Kept apart from the chart code so that watching the folder loads none of it.
import { parseAllDocuments } from "yaml";
import type { KubeObj } from "../../charts/release/cluster.ts";

export interface HelmChartObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { chart?: string; valuesContent?: string; set?: Record<string, unknown>; targetNamespace?: string; createNamespace?: boolean; timeout?: string };
}

export const isHelmChart = (o: { apiVersion?: string; kind?: string }) => o.apiVersion === "helm.cattle.io/v1" && o.kind === "HelmChart";

/** The documents of one file: objects to apply and HelmCharts to deploy. */
export function readManifestFile(text: string): { objects: KubeObj[]; charts: HelmChartObject[] } {
  const objects: KubeObj[] = [];
  const charts: HelmChartObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(doc.errors[0]!.message);
    const v = doc.toJS() as KubeObj | null;
    if (!v || typeof v !== "object") continue;
    const list = v.kind?.endsWith("List") && Array.isArray(v.items) ? (v.items as KubeObj[]) : [v];
    for (const o of list) {
      if (isHelmChart(o)) charts.push(o as unknown as HelmChartObject);
      else objects.push(o);
    }
  }
  return { objects, charts };
}
