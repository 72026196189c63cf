/** Helpers for the integration tests that run a cluster on etcd (startCluster). */
import type { RunningCluster } from '../../src/start-cluster';
import { brokerWarnings } from './roundtrip';

/** An afterAll: shows each broker's last 20 warnings (they explain a failure), then stops the cluster. */
export async function stopClusterShowingWarnings(cluster: RunningCluster | undefined): Promise<void> {
  for (const b of cluster?.brokers ?? []) {
    const warnings = brokerWarnings(cluster!.output(b.nodeId)).slice(-20);
    if (warnings.length > 0) console.warn(`broker ${b.nodeId} warnings:\n${warnings.join('\n')}`);
  }
  await cluster?.close();
}
