/** The in-machine cluster: the primary's broker host and the message channel to workers. */
export {
  ClusterBrokerHost,
  type ClusterBrokerHostOptions,
  type ClusterHostStats,
  clusterBrokerHostDefaults,
} from "./cluster-broker-host.js";
export {
  CLUSTER_TAG,
  type ClusterPort,
  messagePort,
  messagePortPair,
  processPort,
  workerPort,
} from "./cluster-port.js";
export {
  CONTROL_TAG,
  ClusterSupervisor,
  type ClusterSupervisorEvents,
  type ClusterSupervisorOptions,
  clusterSupervisorDefaults,
  onShutdownRequest,
  SHUTDOWN_MESSAGE,
} from "./cluster-supervisor.js";
export {
  ClusterMetricsHost,
  type ClusterMetricsHostOptions,
  ClusterMetricsWorker,
  clusterMetricsHostDefaults,
  METRICS_TAG,
  type MetricJson,
  metricValue,
} from "./cluster-metrics.js";
