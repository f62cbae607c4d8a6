// `kubectl get daemonsets` and `kubectl get controllerrevisions` (printDaemonSet, printControllerRevision).
import type { ControllerRevision, DaemonSet } from "kubernetes-types/apps/v1";
import type { TableColumn } from "../kinds/kind.ts";
import { ageColumn, col, containerCells, nameColumn, wide } from "./columns.ts";
import { formatLabels, labelSelectorToString } from "../selectors/label-selector.ts";

function selectorCell(o: DaemonSet): string {
  try {
    return labelSelectorToString(o.spec?.selector);
  } catch {
    return "<invalid>";
  }
}

export const daemonSetColumns: TableColumn[] = [
  nameColumn(),
  col("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/", (d: DaemonSet) => d.status?.desiredNumberScheduled ?? 0),
  col("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/", (d: DaemonSet) => d.status?.currentNumberScheduled ?? 0),
  col("Ready", "integer", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.", (d: DaemonSet) => d.status?.numberReady ?? 0),
  col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod", (d: DaemonSet) => d.status?.updatedNumberScheduled ?? 0),
  col("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)", (d: DaemonSet) => d.status?.numberAvailable ?? 0),
  col("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/", (d: DaemonSet) => formatLabels(d.spec?.template?.spec?.nodeSelector)),
  ageColumn(),
  wide("Containers", "string", "Names of each container in the template.", (d: DaemonSet) => containerCells(d.spec?.template?.spec?.containers)[0]),
  wide("Images", "string", "Images referenced by each container in the template.", (d: DaemonSet) => containerCells(d.spec?.template?.spec?.containers)[1]),
  wide("Selector", "string", "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", selectorCell),
];

/** "daemonset.apps/NAME", as formatResourceName writes a controller. */
function controllerCell(r: ControllerRevision): string {
  const ref = r.metadata?.ownerReferences?.find((o) => o.controller);
  if (!ref) return "<none>";
  const group = ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[0] : "";
  return `${ref.kind.toLowerCase()}${group ? "." + group : ""}/${ref.name}`;
}

export const controllerRevisionColumns: TableColumn[] = [
  nameColumn(),
  col("Controller", "string", "Controller of the object", controllerCell),
  col("Revision", "integer", "Revision indicates the revision of the state represented by Data.", (r: ControllerRevision) => r.revision ?? 0),
  ageColumn(),
];
