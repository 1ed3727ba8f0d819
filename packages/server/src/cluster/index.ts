/**
 * @dashwire/server/cluster: the in-machine cluster (`dashwire start --workers N`): the primary's
 * supervisor and broker host, the workers' broker, the message channel between them, and the
 * machine-wide metrics.
 */
export { ClusterBroker, type ClusterBrokerOptions, clusterBrokerDefaults } from "../broker/cluster-broker.js";
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
  LISTENING_FOR_SHUTDOWN,
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
