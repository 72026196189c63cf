/**
 * Apache Kafka's own admin tooling against a Weir cluster on etcd (three
 * broker processes): the Java AdminClient moves a partition between brokers
 * (alterPartitionReassignments / listPartitionReassignments, KIP-455) and
 * elects its preferred leader (electLeaders, KIP-460), with Kafka's
 * exceptions for what it refuses; Kafka's `kafka-leader-election.sh`
 * (LeaderElectionCommand) finds nothing left to elect. The client is the one
 * of the Kafka distribution the tools use (kafka-clients 2.4.1, the peer
 * broker's build), run in Java's source-file mode (integration/java/).
 *
 * Needs a Kafka distribution and a JVM (see support/kafka-tools.ts); without
 * them the file registers one "NOT RUN:" test saying why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RunningCluster, startCluster } from '../src/start-cluster';
import { stopClusterShowingWarnings } from './support/cluster';
import { findKafkaTools, runJavaProgram, runKafkaClass } from './support/kafka-tools';

const tools = findKafkaTools();
const PROGRAM = path.join(__dirname, 'java', 'ReassignmentCheck.java');
/** What the admin client needs on its class path: itself and its logging facade. */
const JARS = [/^kafka-clients-.*\.jar$/, /^slf4j-api-.*\.jar$/];

if (!tools.found) {
  test(`NOT RUN: the Java admin client's reassignment and leader election against a Weir cluster — ${tools.reason}`, () => {
    expect(tools.found).toBe(false);
  });
} else {
  const home = tools.home;
  const clientJar = fs.readdirSync(path.join(home, 'libs')).find((f) => /^kafka-clients-.*\.jar$/.test(f)) ?? 'kafka-clients-?.jar';
  const clientVersion = clientJar.replace(/^kafka-clients-/, '').replace(/\.jar$/, '');
  let cluster: RunningCluster | undefined;

  afterAll(() => stopClusterShowingWarnings(cluster));

  test(`Java AdminClient ${clientVersion}: alterPartitionReassignments, listPartitionReassignments, electLeaders; kafka-leader-election.sh`, async () => {
    cluster = await startCluster({
      brokers: 3,
      config: { 'broker.session.timeout.ms': 4000, 'broker.heartbeat.interval.ms': 1000, 'auto.leader.rebalance.enable': false },
    });
    // From {2,1} (led by 2) to {3,2}: broker 2 stays leader, so the preferred replica (3) needs an election.
    const { code, steps, output } = await runJavaProgram<Record<string, Record<string, unknown>>>(home, PROGRAM, JARS, [cluster.bootstrapServers, 'java-moves', '2,1', '3,2']);
    if (code !== 0) throw new Error(`the Java admin client failed (exit ${code}):\n${output.slice(-4000)}`);
    expect(steps['reassigned']).toEqual({ replicas: [3, 2], leader: 2 });
    expect(steps['elected']).toEqual({ first: 'none', second: 'ElectionNotNeededException', leader: 3 });
    expect(steps['errors']).toEqual({ cancel: 'NoReassignmentInProgressException', unknownBroker: 'InvalidReplicaAssignmentException' });

    const tool = await runKafkaClass(home, 'kafka.admin.LeaderElectionCommand', [
      '--bootstrap-server',
      cluster.bootstrapServers,
      '--election-type',
      'preferred',
      '--topic',
      'java-moves',
      '--partition',
      '0',
    ]);
    expect(tool.code).toBe(0);
    // ELECTION_NOT_NEEDED is this line; Kafka 2.4's command lists the (empty) succeeded set after it, not the partition.
    expect(tool.stdout).toMatch(/^Valid replica already elected for partitions/m);
    expect(tool.stdout).not.toMatch(/Error|failed/i);
  }, 240_000);
}
