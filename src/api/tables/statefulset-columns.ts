// `kubectl get statefulsets` (printStatefulSet).
import type { StatefulSet } from "kubernetes-types/apps/v1";
import type { TableColumn } from "../kinds/kind.ts";
import { ageColumn, col, containerCells, nameColumn, wide } from "./columns.ts";

export const statefulSetColumns: TableColumn[] = [
  nameColumn(),
  col("Ready", "string", "Number of the pod with ready state", (s: StatefulSet) => `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}`),
  ageColumn(),
  wide("Containers", "string", "Names of each container in the template.", (s: StatefulSet) => containerCells(s.spec?.template?.spec?.containers)[0]),
  wide("Images", "string", "Images referenced by each container in the template.", (s: StatefulSet) => containerCells(s.spec?.template?.spec?.containers)[1]),
];
