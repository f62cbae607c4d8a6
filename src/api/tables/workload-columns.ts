// `kubectl get deployments` and `kubectl get replicasets` (printDeployment, printReplicaSet).
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1";
import type { TableColumn } from "../kinds/kind.ts";
import { ageColumn, col, containerCells, nameColumn, wide } from "./columns.ts";
import { labelSelectorToString } from "../selectors/label-selector.ts";

type Workload = Deployment | ReplicaSet;

function selectorCell(o: Workload): string {
  try {
    return labelSelectorToString(o.spec?.selector);
  } catch {
    return "<invalid>";
  }
}

const containersCell = (o: Workload) => containerCells(o.spec?.template?.spec?.containers)[0];
const imagesCell = (o: Workload) => containerCells(o.spec?.template?.spec?.containers)[1];

const workloadWide = (): TableColumn[] => [
  wide("Containers", "string", "Names of each container in the template.", containersCell),
  wide("Images", "string", "Images referenced by each container in the template.", imagesCell),
  wide("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", selectorCell),
];

export const deploymentColumns: TableColumn[] = [
  nameColumn(),
  col("Ready", "string", "Number of the pod with ready state", (d: Deployment) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`),
  col("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", (d: Deployment) => d.status?.updatedReplicas ?? 0),
  col("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", (d: Deployment) => d.status?.availableReplicas ?? 0),
  ageColumn(),
  ...workloadWide(),
];

export const replicaSetColumns: TableColumn[] = [
  nameColumn(),
  col("Desired", "integer", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller", (r: ReplicaSet) => r.spec?.replicas ?? 0),
  col("Current", "integer", "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller", (r: ReplicaSet) => r.status?.replicas ?? 0),
  col("Ready", "integer", "readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.", (r: ReplicaSet) => r.status?.readyReplicas ?? 0),
  ageColumn(),
  ...workloadWide(),
];
