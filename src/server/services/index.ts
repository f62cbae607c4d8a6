// Service addresses on the server: allocation admission, the kubernetes Service, and
// LoadBalancer status.
export { installServiceAllocation, DEFAULT_SERVICE_CIDR, type ServiceAllocationOptions } from "./allocation.ts";
export { ensureKubernetesService, kubernetesServiceIp } from "./kubernetes-service.ts";
export { loadBalancerController, nodeIngressIps } from "./load-balancer-status.ts";
export { CLUSTER_DNS_OFFSET, KUBERNETES_SERVICE_OFFSET } from "./cluster-ip.ts";
export { DEFAULT_NODE_PORT_RANGE, type PortRange } from "./node-port.ts";
export { nthAddress, parseCidr } from "./ipv4.ts";
