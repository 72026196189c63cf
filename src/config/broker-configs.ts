/**
 * Broker-level configs with Kafka 3.9's names, types, defaults and validators.
 *
 * Weir departs from Kafka's default only where a single-node, embeddable
 * broker needs it; each such line says so ("Weir default"):
 * - node.id / broker.id: 1 (Kafka: -1, i.e. "must be set"; Kafka's own
 *   single-node sample config uses node.id=1).
 * - listeners: PLAINTEXT://127.0.0.1:9092 (Kafka: PLAINTEXT://:9092, all
 *   interfaces); a development broker should not listen on the network.
 * - log.dir: ./weir-data (Kafka: /tmp/kafka-logs).
 * - offsets.topic.replication.factor, transaction.state.log.replication.factor,
 *   transaction.state.log.min.isr: 1 (Kafka: 3, 3, 2), as in Kafka's
 *   single-node sample configs; with one broker nothing else can work.
 * - group.coordinator.rebalance.protocols: classic,consumer (Kafka 3.9:
 *   classic; Kafka 4.0: classic,consumer), since Weir serves KIP-848.
 * - socket.listen.backlog.size: 511 (Kafka: 50), Node's own default: Node
 *   accepts on its event loop, not on a thread of its own as Kafka does, and
 *   a queue of 50 drops bursts of connections (a dropped SYN costs the
 *   client a one-second retry).
 *
 * Keys marked `support: 'ignored'` are real Kafka keys that Weir accepts so
 * a Kafka server.properties loads cleanly, but does not act on. Two keys are
 * Weir's own: `etcd.endpoints` and `etcd.key.prefix` (a cluster on etcd,
 * src/cluster/etcd/etcd-settings.ts).
 * `dynamic: true` follows Kafka's DynamicBrokerConfig.AllDynamicConfigs.
 */
import {
  JAVA_DOUBLE_MAX,
  JAVA_INT_MAX,
  JAVA_LONG_MAX,
  defineBoolean,
  defineClass,
  defineDouble,
  defineInt,
  defineList,
  defineLong,
  definePassword,
  defineShort,
  defineString,
  indexConfigKeys,
  type ConfigKey,
} from './config-def';
import { perIpOverridesValidator } from './per-ip-overrides';
import { CLEANUP_POLICIES, COMPRESSION_TYPES, DEFAULT_MAX_MESSAGE_BYTES, TIMESTAMP_TYPES } from './topic-configs';
import { atLeast, between, etcdEndpointList, etcdKeyPrefix, listenerList, listOf, metadataVersionString, oneOf, rangeOrExactly } from './validators';

const WEEK_MS = 7 * 24 * 3_600_000;
const DAY_MS = 24 * 3_600_000;
const MiB = 1024 * 1024;

const dynamic = { dynamic: true } as const;
const ignored = { support: 'ignored' } as const;
const dynamicIgnored = { dynamic: true, support: 'ignored' } as const;

export const BROKER_CONFIG_KEYS = [
  // --- identity and roles ---
  defineInt('node.id', 1), // Weir default (Kafka: -1)
  defineInt('broker.id', 1), // Weir default (Kafka: -1); a synonym of node.id
  defineString('broker.rack', null),
  defineBoolean('broker.id.generation.enable', true, ignored),
  defineInt('reserved.broker.max.id', 1000, { ...ignored, validator: atLeast(0) }),
  defineList('process.roles', [], { ...ignored, validator: listOf('broker', 'controller') }),
  defineString('inter.broker.protocol.version', '3.9-IV0', { ...ignored, validator: metadataVersionString }),

  // --- listeners and sockets ---
  defineString('listeners', 'PLAINTEXT://127.0.0.1:9092', { ...dynamic, validator: listenerList }), // Weir default
  defineString('advertised.listeners', null, { ...dynamic, validator: listenerList }),
  defineString('listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL', dynamic),
  defineString('inter.broker.listener.name', null),
  defineString('security.inter.broker.protocol', 'PLAINTEXT', { validator: oneOf('PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL') }),
  defineString('control.plane.listener.name', null, ignored),
  defineString('early.start.listeners', null, ignored),
  defineInt('socket.send.buffer.bytes', 100 * 1024, ignored),
  defineInt('socket.receive.buffer.bytes', 100 * 1024, ignored),
  defineInt('socket.request.max.bytes', 100 * MiB, { validator: atLeast(1) }),
  defineInt('socket.listen.backlog.size', 511, { validator: atLeast(1) }), // Weir default (Kafka: 50)
  defineInt('max.connections.per.ip', JAVA_INT_MAX, { ...dynamic, validator: atLeast(0) }),
  defineString('max.connections.per.ip.overrides', '', { ...dynamic, validator: perIpOverridesValidator }),
  defineInt('max.connections', JAVA_INT_MAX, { ...dynamic, validator: atLeast(0) }),
  defineInt('max.connection.creation.rate', JAVA_INT_MAX, { ...dynamicIgnored, validator: atLeast(0) }),
  defineLong('connections.max.idle.ms', 600_000),
  defineLong('connections.max.reauth.ms', 0, { validator: atLeast(0) }),
  defineInt('connection.failed.authentication.delay.ms', 100, { validator: atLeast(0) }),
  defineInt('queued.max.requests', 500, { ...ignored, validator: atLeast(1) }),
  defineLong('queued.max.request.bytes', -1, ignored),
  defineInt('request.timeout.ms', 30_000), // how long a transaction state write's answer waits for replication (as Kafka's transaction coordinator)
  defineLong('socket.connection.setup.timeout.ms', 10_000, ignored),
  defineLong('socket.connection.setup.timeout.max.ms', 30_000, ignored),

  // --- threads (a Node.js process has one event loop: all ignored) ---
  defineInt('num.network.threads', 3, { ...dynamicIgnored, validator: atLeast(1) }),
  defineInt('num.io.threads', 8, { ...dynamicIgnored, validator: atLeast(1) }),
  defineInt('background.threads', 10, { ...dynamicIgnored, validator: atLeast(1) }),
  defineInt('num.replica.fetchers', 1, dynamicIgnored),
  defineInt('num.recovery.threads.per.data.dir', 1, { ...dynamicIgnored, validator: atLeast(1) }),
  defineInt('num.replica.alter.log.dirs.threads', null, ignored),

  // --- topics and requests ---
  defineInt('num.partitions', 1, { validator: atLeast(1) }),
  defineInt('default.replication.factor', 1),
  defineBoolean('auto.create.topics.enable', true),
  defineBoolean('delete.topic.enable', true),
  defineInt('message.max.bytes', DEFAULT_MAX_MESSAGE_BYTES, { ...dynamic, validator: atLeast(0) }),
  defineInt('min.insync.replicas', 1, { ...dynamic, validator: atLeast(1) }),
  defineBoolean('unclean.leader.election.enable', false, dynamic),
  defineInt('max.incremental.fetch.session.cache.slots', 1000, { validator: atLeast(0) }),
  defineInt('fetch.max.bytes', 55 * MiB, { validator: atLeast(1024) }),
  defineInt('max.request.partition.size.limit', 2000, { validator: atLeast(1) }),
  defineClass('create.topic.policy.class.name', null, ignored),
  defineClass('alter.config.policy.class.name', null, ignored),
  defineString('authorizer.class.name', ''),
  defineBoolean('auto.leader.rebalance.enable', true, ignored),
  defineInt('leader.imbalance.per.broker.percentage', 10, ignored),
  defineLong('leader.imbalance.check.interval.seconds', 300, { ...ignored, validator: atLeast(1) }),
  defineBoolean('controlled.shutdown.enable', true, ignored),
  defineInt('controlled.shutdown.max.retries', 3, ignored),
  defineLong('controlled.shutdown.retry.backoff.ms', 5000, ignored),

  // --- log (these are the broker-wide defaults of topic configs) ---
  defineString('log.dir', './weir-data'), // Weir default (Kafka: /tmp/kafka-logs)
  defineString('log.dirs', null),
  defineInt('log.segment.bytes', 1024 * MiB, { ...dynamic, validator: atLeast(14) }),
  defineLong('log.roll.ms', null, dynamic),
  defineInt('log.roll.hours', 168, { validator: atLeast(1) }),
  defineLong('log.roll.jitter.ms', null, dynamic),
  defineInt('log.roll.jitter.hours', 0, { validator: atLeast(0) }),
  defineLong('log.retention.ms', null, dynamic),
  defineInt('log.retention.minutes', null),
  defineInt('log.retention.hours', 168),
  defineLong('log.retention.bytes', -1, dynamic),
  defineLong('log.retention.check.interval.ms', 300_000, { validator: atLeast(1) }),
  defineList('log.cleanup.policy', ['delete'], { ...dynamic, validator: listOf(...CLEANUP_POLICIES) }),
  defineInt('log.index.size.max.bytes', 10 * MiB, { ...dynamic, validator: atLeast(4) }),
  defineInt('log.index.interval.bytes', 4096, { ...dynamic, validator: atLeast(0) }),
  defineLong('log.flush.interval.messages', JAVA_LONG_MAX, { ...dynamic, validator: atLeast(1) }),
  defineLong('log.flush.interval.ms', null, dynamic),
  defineLong('log.flush.scheduler.interval.ms', JAVA_LONG_MAX),
  defineInt('log.flush.offset.checkpoint.interval.ms', 60_000, { validator: atLeast(0) }),
  defineInt('log.flush.start.offset.checkpoint.interval.ms', 60_000, { validator: atLeast(0) }),
  // Kafka keeps a deleted segment's files this long for reads still in
  // flight; Weir unlinks at once and each response holds the descriptor of
  // what it sends until sent (storage/ref-counted-descriptor.ts).
  defineLong('log.segment.delete.delay.ms', 60_000, { ...dynamicIgnored, validator: atLeast(0) }),
  defineBoolean('log.preallocate', false, dynamic),
  defineString('log.message.format.version', '3.0-IV1', { ...ignored, validator: metadataVersionString }),
  defineString('log.message.timestamp.type', 'CreateTime', { ...dynamic, validator: oneOf(...TIMESTAMP_TYPES) }),
  defineLong('log.message.timestamp.difference.max.ms', JAVA_LONG_MAX, { ...dynamic, validator: atLeast(0) }),
  defineLong('log.message.timestamp.before.max.ms', JAVA_LONG_MAX, { ...dynamic, validator: atLeast(0) }),
  defineLong('log.message.timestamp.after.max.ms', JAVA_LONG_MAX, { ...dynamic, validator: atLeast(0) }),
  defineBoolean('log.message.downconversion.enable', true, dynamic),
  defineLong('log.dir.failure.timeout.ms', 30_000, { ...ignored, validator: atLeast(1) }),
  defineString('compression.type', 'producer', { ...dynamic, validator: oneOf(...COMPRESSION_TYPES) }),
  defineInt('compression.gzip.level', -1, { ...dynamic, validator: rangeOrExactly(1, 9, -1) }),
  defineInt('compression.lz4.level', 9, { ...dynamic, validator: between(1, 17) }),
  defineInt('compression.zstd.level', 3, { ...dynamic, validator: between(-131072, 22) }),

  // --- log cleaner (compaction) ---
  defineBoolean('log.cleaner.enable', true),
  defineInt('log.cleaner.threads', 1, { ...dynamicIgnored, validator: atLeast(0) }), // one cleaner task
  defineLong('log.cleaner.dedupe.buffer.size', 128 * MiB, dynamic),
  defineInt('log.cleaner.io.buffer.size', 512 * 1024, { ...dynamic, validator: atLeast(0) }),
  defineDouble('log.cleaner.io.buffer.load.factor', 0.9, dynamic),
  defineDouble('log.cleaner.io.max.bytes.per.second', JAVA_DOUBLE_MAX, dynamic),
  defineLong('log.cleaner.backoff.ms', 15_000, { ...dynamic, validator: atLeast(0) }),
  defineDouble('log.cleaner.min.cleanable.ratio', 0.5, { ...dynamic, validator: between(0, 1) }),
  defineLong('log.cleaner.delete.retention.ms', DAY_MS, { ...dynamic, validator: atLeast(0) }),
  defineLong('log.cleaner.min.compaction.lag.ms', 0, { ...dynamic, validator: atLeast(0) }),
  defineLong('log.cleaner.max.compaction.lag.ms', JAVA_LONG_MAX, { ...dynamic, validator: atLeast(1) }),

  // --- tiered storage (not supported: accepted, ignored) ---
  defineBoolean('remote.log.storage.system.enable', false, ignored),
  defineLong('log.local.retention.ms', -2, { ...dynamicIgnored, validator: atLeast(-2) }),
  defineLong('log.local.retention.bytes', -2, { ...dynamicIgnored, validator: atLeast(-2) }),

  // --- consumer groups ---
  defineInt('group.initial.rebalance.delay.ms', 3000),
  defineInt('group.min.session.timeout.ms', 6000),
  defineInt('group.max.session.timeout.ms', 1_800_000),
  defineInt('group.max.size', JAVA_INT_MAX, { validator: atLeast(1) }),
  // Weir default: classic,consumer (see the header comment).
  defineList('group.coordinator.rebalance.protocols', ['classic', 'consumer'], { validator: listOf('classic', 'consumer', 'share') }),
  defineBoolean('group.coordinator.new.enable', false, ignored),
  defineInt('group.coordinator.threads', 1, { ...ignored, validator: atLeast(1) }),
  defineInt('group.coordinator.append.linger.ms', 10, { ...ignored, validator: atLeast(0) }),
  defineInt('group.consumer.session.timeout.ms', 45_000, { validator: atLeast(1) }),
  defineInt('group.consumer.min.session.timeout.ms', 45_000, { validator: atLeast(1) }),
  defineInt('group.consumer.max.session.timeout.ms', 60_000, { validator: atLeast(1) }),
  defineInt('group.consumer.heartbeat.interval.ms', 5000, { validator: atLeast(1) }),
  defineInt('group.consumer.min.heartbeat.interval.ms', 5000, { validator: atLeast(1) }),
  defineInt('group.consumer.max.heartbeat.interval.ms', 15_000, { validator: atLeast(1) }),
  defineInt('group.consumer.max.size', JAVA_INT_MAX, { validator: atLeast(1) }),
  defineList('group.consumer.assignors', [
    'org.apache.kafka.coordinator.group.assignor.UniformAssignor',
    'org.apache.kafka.coordinator.group.assignor.RangeAssignor',
  ]),
  defineString('group.consumer.migration.policy', 'disabled', {
    ...ignored, // classic and consumer members do not share a group yet
    validator: oneOf('disabled', 'downgrade', 'upgrade', 'bidirectional'),
  }),

  // --- committed offsets (__consumer_offsets) ---
  defineInt('offsets.topic.num.partitions', 50, { validator: atLeast(1) }),
  defineShort('offsets.topic.replication.factor', 1, { validator: atLeast(1) }), // Weir default (Kafka: 3)
  defineInt('offsets.topic.segment.bytes', 100 * MiB, { validator: atLeast(1) }),
  defineInt('offsets.topic.compression.codec', 0, ignored),
  defineInt('offsets.load.buffer.size', 5 * MiB, { ...ignored, validator: atLeast(1) }),
  defineInt('offsets.retention.minutes', 7 * 24 * 60, { validator: atLeast(1) }),
  defineLong('offsets.retention.check.interval.ms', 600_000, { validator: atLeast(1) }),
  defineInt('offsets.commit.timeout.ms', 5000, { validator: atLeast(1) }), // how long a group write's answer waits for replication
  defineShort('offsets.commit.required.acks', -1, ignored),
  defineInt('offset.metadata.max.bytes', 4096),

  // --- transactions and producer ids ---
  defineInt('transaction.max.timeout.ms', 900_000, { validator: atLeast(1) }),
  defineInt('transactional.id.expiration.ms', 7 * DAY_MS, { validator: atLeast(1) }),
  defineInt('transaction.abort.timed.out.transaction.cleanup.interval.ms', 10_000, { validator: atLeast(1) }),
  defineInt('transaction.remove.expired.transaction.cleanup.interval.ms', 3_600_000, { validator: atLeast(1) }),
  defineInt('transaction.state.log.num.partitions', 50, { validator: atLeast(1) }),
  defineShort('transaction.state.log.replication.factor', 1, { validator: atLeast(1) }), // Weir default (Kafka: 3)
  defineInt('transaction.state.log.min.isr', 1, { validator: atLeast(1) }), // Weir default (Kafka: 2)
  defineInt('transaction.state.log.segment.bytes', 100 * MiB, { validator: atLeast(1) }),
  defineInt('transaction.state.log.load.buffer.size', 5 * MiB, { ...ignored, validator: atLeast(1) }),
  defineBoolean('transaction.partition.verification.enable', true, dynamic),
  defineInt('producer.id.expiration.ms', DAY_MS, { ...dynamic, validator: atLeast(1) }),
  defineInt('producer.id.expiration.check.interval.ms', 600_000, { validator: atLeast(1) }),

  // --- replication (single node: ignored) ---
  defineLong('replica.lag.time.max.ms', 30_000),
  defineInt('replica.socket.timeout.ms', 30_000, ignored),
  defineInt('replica.socket.receive.buffer.bytes', 64 * 1024, ignored),
  defineInt('replica.fetch.max.bytes', MiB, { validator: atLeast(0) }),
  defineInt('replica.fetch.wait.max.ms', 500),
  defineInt('replica.fetch.min.bytes', 1),
  defineInt('replica.fetch.backoff.ms', 1000, { validator: atLeast(0) }),
  defineInt('replica.fetch.response.max.bytes', 10 * MiB, { validator: atLeast(0) }),
  defineLong('replica.high.watermark.checkpoint.interval.ms', 5000, { validator: atLeast(1) }),
  defineString('replica.selector.class', null, ignored),
  defineInt('fetch.purgatory.purge.interval.requests', 1000, ignored),
  defineInt('producer.purgatory.purge.interval.requests', 1000, ignored),
  defineInt('delete.records.purgatory.purge.interval.requests', 1, ignored),
  defineInt('controller.socket.timeout.ms', 30_000, ignored),

  // --- KRaft controller / quorum (Weir has no separate controller: ignored) ---
  defineString('controller.listener.names', null, ignored),
  defineList('controller.quorum.voters', [], ignored),
  defineList('controller.quorum.bootstrap.servers', [], ignored),
  defineInt('controller.quorum.election.timeout.ms', 1000, ignored),
  defineInt('controller.quorum.fetch.timeout.ms', 2000, ignored),
  defineInt('controller.quorum.election.backoff.max.ms', 1000, ignored),
  defineInt('controller.quorum.append.linger.ms', 25, ignored),
  defineInt('controller.quorum.request.timeout.ms', 2000, ignored),
  defineInt('controller.quorum.retry.backoff.ms', 20, ignored),
  defineString('sasl.mechanism.controller.protocol', 'GSSAPI', ignored),
  defineString('metadata.log.dir', null, ignored),
  defineInt('metadata.log.segment.bytes', 1024 * MiB, ignored),
  defineLong('metadata.log.segment.ms', WEEK_MS, ignored),
  defineLong('metadata.max.retention.bytes', 100 * MiB, ignored),
  defineLong('metadata.max.retention.ms', WEEK_MS, ignored),
  defineLong('metadata.log.max.record.bytes.between.snapshots', 20 * MiB, { ...ignored, validator: atLeast(1) }),
  defineLong('metadata.log.max.snapshot.interval.ms', 3_600_000, { ...ignored, validator: atLeast(0) }),
  defineInt('metadata.max.idle.interval.ms', 500, { ...ignored, validator: atLeast(0) }),
  // A cluster on etcd: the lease TTL, its renewal, the wait at registration (etcd-settings.ts).
  defineInt('initial.broker.registration.timeout.ms', 60_000),
  defineInt('broker.heartbeat.interval.ms', 2000),
  defineInt('broker.session.timeout.ms', 9000),
  defineBoolean('eligible.leader.replicas.enable', false, ignored),

  // --- a cluster on etcd (Weir's own keys; src/cluster/etcd reads them, see
  // etcd-settings.ts). Without etcd.endpoints the broker is the single node it always was.
  defineList('etcd.endpoints', [], { validator: etcdEndpointList }),
  defineString('etcd.key.prefix', '/weir', { validator: etcdKeyPrefix }),

  // --- ZooKeeper (Weir has none: ignored) ---
  defineString('zookeeper.connect', null, ignored),
  defineInt('zookeeper.session.timeout.ms', 18_000, ignored),
  defineInt('zookeeper.connection.timeout.ms', null, ignored),
  defineBoolean('zookeeper.set.acl', false, ignored),
  defineInt('zookeeper.max.in.flight.requests', 10, { ...ignored, validator: atLeast(1) }),
  defineBoolean('zookeeper.metadata.migration.enable', false, ignored),
  defineBoolean('zookeeper.ssl.client.enable', false, ignored),
  defineString('zookeeper.clientCnxnSocket', null, ignored),

  // --- security: TLS and SASL per listener (any of these may be set per listener as listener.name.<l>.<key>) ---
  defineList('sasl.enabled.mechanisms', ['GSSAPI'], dynamic),
  defineString('sasl.mechanism.inter.broker.protocol', 'GSSAPI', ignored),
  // Brokers read JAAS only per listener and mechanism (listener.name.<l>.<mechanism>.sasl.jaas.config), as Kafka does.
  definePassword('sasl.jaas.config', dynamicIgnored),
  defineClass('sasl.server.callback.handler.class', null),
  defineInt('sasl.server.max.receive.size', 524_288),
  defineString('ssl.client.auth', 'none', { ...dynamic, validator: oneOf('required', 'requested', 'none') }),
  defineString('ssl.protocol', 'TLSv1.3', dynamicIgnored),
  defineList('ssl.enabled.protocols', ['TLSv1.2', 'TLSv1.3'], { ...dynamic, validator: listOf('TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3') }),
  defineList('ssl.cipher.suites', [], dynamic),
  defineString('ssl.endpoint.identification.algorithm', 'https', dynamicIgnored),
  defineString('ssl.keystore.type', 'JKS', dynamic),
  defineString('ssl.keystore.location', null, dynamic),
  definePassword('ssl.keystore.password', dynamic),
  definePassword('ssl.key.password', dynamic),
  definePassword('ssl.keystore.key', dynamic),
  definePassword('ssl.keystore.certificate.chain', dynamic),
  defineString('ssl.truststore.type', 'JKS', dynamic),
  defineString('ssl.truststore.location', null, dynamic),
  definePassword('ssl.truststore.password', dynamic),
  definePassword('ssl.truststore.certificates', dynamic),
  defineString('ssl.principal.mapping.rules', 'DEFAULT'),
  defineString('ssl.keymanager.algorithm', 'SunX509', dynamicIgnored),
  defineString('ssl.trustmanager.algorithm', 'PKIX', dynamicIgnored),
  defineString('ssl.secure.random.implementation', null, dynamicIgnored),
  defineString('ssl.provider', null, dynamicIgnored),
  defineClass('ssl.engine.factory.class', null, dynamicIgnored),
  defineClass('principal.builder.class', 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder', ignored),
  // ACLs and quotas: read by the authorizer and quota engines once they are wired (issue 14, part 2).
  defineBoolean('allow.everyone.if.no.acl.found', false),
  defineString('super.users', null),
  // The client quotas' sampled windows (security/quota/client-quota-managers.ts).
  defineInt('quota.window.num', 11, { validator: atLeast(1) }),
  defineInt('quota.window.size.seconds', 1, { validator: atLeast(1) }),

  // --- client telemetry (KIP-714) ---
  defineInt('telemetry.max.bytes', MiB, { validator: atLeast(1) }),

  // --- metrics (ignored) ---
  defineList('metric.reporters', [], dynamicIgnored),
  defineInt('metrics.num.samples', 2, { ...ignored, validator: atLeast(1) }),
  defineLong('metrics.sample.window.ms', 30_000, { ...ignored, validator: atLeast(1) }),
  defineString('metrics.recording.level', 'INFO', { ...ignored, validator: oneOf('INFO', 'DEBUG', 'TRACE') }),
] as const;

export type BrokerConfigKey = (typeof BROKER_CONFIG_KEYS)[number];
export type BrokerConfigName = BrokerConfigKey['name'];

export const BROKER_CONFIGS: ReadonlyMap<string, ConfigKey> = indexConfigKeys<ConfigKey>(BROKER_CONFIG_KEYS);

/**
 * Key families Weir accepts without a warning even though each member is not
 * listed: per-listener overrides and vendor or plugin namespaces.
 */
export const ACCEPTED_BROKER_CONFIG_PREFIXES: readonly string[] = [
  'listener.name.',
  'remote.log.',
  'rsm.config.',
  'rlmm.config.',
  'confluent.',
];

/**
 * Broker configs that name the same setting, for DescribeConfigs synonyms
 * (Kafka's DynamicBrokerConfig.brokerConfigSynonyms), highest precedence first.
 */
const BROKER_SYNONYM_GROUPS: readonly (readonly BrokerConfigName[])[] = [
  ['log.roll.ms', 'log.roll.hours'],
  ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
  ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
];

export function brokerConfigSynonyms(name: string): readonly string[] {
  if (name === 'log.flush.scheduler.interval.ms') return [name]; // only log.flush.interval.ms falls back to it
  return BROKER_SYNONYM_GROUPS.find((group) => (group as readonly string[]).includes(name)) ?? [name];
}
