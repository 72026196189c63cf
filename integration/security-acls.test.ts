/**
 * ACLs (issue 14) through a real `weir start` broker with Kafka's
 * StandardAuthorizer configured, over SASL/PLAIN:
 *
 *   admin   super user (super.users=User:admin)
 *   alice   the principal the ACLs of each case allow
 *   bob     the principal they do not
 *
 * - kafkajs's admin creates, describes and deletes ACLs; the weir CLI does
 *   the same with --command-config;
 * - kafkajs and node-rdkafka produce and consume as alice, and as bob see
 *   the authorization errors their users see;
 * - a matrix over resource types and operations with raw requests: for each
 *   (resource, operation) an API that needs it, answered for alice and
 *   refused with Kafka's error for bob;
 * - prefixed patterns, DENY over ALLOW, implied operations, host matching,
 *   super users, the KIP-430 authorized-operations fields;
 * - the ACLs survive a broker restart (they are metadata records).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Kafka from 'node-rdkafka';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka as KafkaJs, logLevel, ResourcePatternTypes } from 'kafkajs';
import { BrokerProcess, startBrokerProcess, tempDir } from './support/broker-process';
import { RawKafkaClient, produceBody, readPartitionLog, requestBody } from './support/raw-kafka-client';
import { kafkajsRoundTrip, rdkafkaRoundTrip } from './support/secure-clients';
import { run } from './support/roundtrip';
import { Apis } from '../src/protocol/apis';
import { ErrorCode } from '../src/protocol/errors';
import { ZERO_UUID } from '../src/protocol/primitives/codec-support';
import { encodeRecordBatch } from '../src/protocol/records';
import { AclOperation as Op, PatternType, PermissionType, ResourceType as RT } from '../src/security/authorizer/acl';

const CLI = path.resolve(__dirname, '../dist/cli/main.js');
const PASSWORDS: Record<string, string> = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret' };
const JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ' +
  Object.entries(PASSWORDS)
    .map(([u, p]) => `user_${u}="${p}"`)
    .join(' ') +
  ';';
const CONFIG = {
  listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
  'sasl.enabled.mechanisms': 'PLAIN',
  'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'super.users': 'User:admin',
  'group.initial.rebalance.delay.ms': 0,
};
const NOT_REQUESTED = -2147483648;

let dataDir: string;
let broker: BrokerProcess;
let bootstrap: string;
const clients: RawKafkaClient[] = [];
let admin: RawKafkaClient;
let alice: RawKafkaClient;
let bob: RawKafkaClient;

/** A raw connection authenticated with SASL/PLAIN as `user`. */
async function connectAs(user: string): Promise<RawKafkaClient> {
  const [host, port] = bootstrap.split(':');
  const c = await RawKafkaClient.connect(host!, Number(port));
  clients.push(c);
  const hs = await c.request(Apis.SaslHandshake, 1, { mechanism: 'PLAIN' });
  expect(hs.errorCode).toBe(ErrorCode.NONE);
  const auth = await c.request(Apis.SaslAuthenticate, 2, { authBytes: Buffer.from(`\0${user}\0${PASSWORDS[user]}`) });
  expect(auth.errorCode).toBe(ErrorCode.NONE);
  return c;
}

async function start(): Promise<void> {
  broker = await startBrokerProcess({ dataDir, config: CONFIG });
  bootstrap = broker.listeners['SASL_PLAINTEXT']!;
  admin = await connectAs('admin');
  alice = await connectAs('alice');
  bob = await connectAs('bob');
}

function closeClients(): void {
  for (const c of clients.splice(0)) c.close();
}

type Acl = [resourceType: number, name: string, operation: number, options?: { principal?: string; permission?: number; pattern?: number; host?: string }];

function creation([resourceType, resourceName, operation, o = {}]: Acl) {
  return {
    resourceType,
    resourceName,
    resourcePatternType: o.pattern ?? PatternType.LITERAL,
    principal: o.principal ?? 'User:alice',
    host: o.host ?? '*',
    operation,
    permissionType: o.permission ?? PermissionType.ALLOW,
  };
}

async function addAcls(...acls: Acl[]): Promise<void> {
  const res = await admin.request(Apis.CreateAcls, 3, { creations: acls.map(creation) });
  expect(res.results.map((r) => r.errorCode)).toEqual(acls.map(() => ErrorCode.NONE));
}

const ANY_FILTER = {
  resourceTypeFilter: RT.ANY,
  resourceNameFilter: null,
  patternTypeFilter: PatternType.ANY,
  principalFilter: null,
  hostFilter: null,
  operation: Op.ANY,
  permissionType: PermissionType.ANY,
};

async function removeAllAcls(): Promise<void> {
  const res = await admin.request(Apis.DeleteAcls, 3, { filters: [ANY_FILTER] });
  expect(res.filterResults[0]!.errorCode).toBe(ErrorCode.NONE);
}

async function createTopic(name: string, partitions = 1): Promise<void> {
  const res = await admin.request(Apis.CreateTopics, 7, requestBody(Apis.CreateTopics, { topics: [{ name, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: [] }] }));
  expect(res.topics[0]?.errorCode).toBe(ErrorCode.NONE);
}

const batch = (value: string) => encodeRecordBatch([{ value: Buffer.from(value), timestamp: BigInt(Date.now()) }]);

async function produce(c: RawKafkaClient, topic: string, value = 'v'): Promise<number> {
  const res = await c.request(Apis.Produce, 9, produceBody(topic, 0, batch(value), { acks: 1 }));
  return res.responses[0]!.partitionResponses[0]!.errorCode;
}

async function fetchCode(c: RawKafkaClient, topic: string): Promise<number> {
  const res = await c.request(Apis.Fetch, 12, {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  return res.responses[0]!.partitions[0]!.errorCode;
}

async function metadataOf(c: RawKafkaClient, topics: string[] | null, ops = false) {
  return c.request(Apis.Metadata, 12, {
    topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: ops,
  });
}

const bits = (...ops: number[]) => ops.reduce((acc, op) => acc | (1 << op), 0);

beforeAll(async () => {
  dataDir = tempDir('weir-acls-');
  await start();
}, 60_000);

afterAll(async () => {
  closeClients();
  await broker?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

afterEach(async () => {
  if (admin && !admin.closed) await removeAllAcls();
});

describe('managing ACLs', () => {
  it('kafkajs admin (SASL/PLAIN, super user) creates, describes and deletes ACLs; deleteAcls returns what it removed', async () => {
    const kafka = new KafkaJs({ brokers: [bootstrap], clientId: 'acls-admin', logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'plain', username: 'admin', password: 'admin-secret' } });
    const kadmin = kafka.admin();
    await kadmin.connect();
    try {
      await kadmin.createAcls({
        acl: [
          { resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
          { resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY },
          { resourceType: AclResourceTypes.GROUP, resourceName: 'team-', resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:alice', host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW },
          { resourceType: AclResourceTypes.DELEGATION_TOKEN, resourceName: 'token-1', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.DESCRIBE, permissionType: AclPermissionTypes.ALLOW },
        ],
      });
      const described = await kadmin.describeAcls({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'orders',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      expect(described.resources).toHaveLength(1);
      expect(described.resources[0]!.acls.map((a) => [a.principal, a.operation, a.permissionType]).sort()).toEqual([
        ['User:alice', AclOperationTypes.READ, AclPermissionTypes.ALLOW],
        ['User:bob', AclOperationTypes.WRITE, AclPermissionTypes.DENY],
      ]);
      const all = await kadmin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
      expect(all.resources.map((r) => [r.resourceType, r.resourceName, r.resourcePatternType]).sort()).toEqual(
        [
          [AclResourceTypes.TOPIC, 'orders', ResourcePatternTypes.LITERAL],
          [AclResourceTypes.GROUP, 'team-', ResourcePatternTypes.PREFIXED],
          [AclResourceTypes.DELEGATION_TOKEN, 'token-1', ResourcePatternTypes.LITERAL],
        ].sort(),
      );
      const deleted = await kadmin.deleteAcls({
        filters: [{ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, principal: 'User:bob', operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }],
      });
      expect(deleted.filterResponses[0]!.errorCode).toBe(0);
      expect(deleted.filterResponses[0]!.matchingAcls).toEqual([
        expect.objectContaining({ resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', principal: 'User:bob', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY }),
      ]);
      const after = await kadmin.describeAcls({ resourceType: AclResourceTypes.TOPIC, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
      expect(after.resources.flatMap((r) => r.acls.map((a) => a.principal))).toEqual(['User:alice']);
    } finally {
      await kadmin.disconnect();
    }
  });

  it('USER and DELEGATION_TOKEN ACLs (kafkajs has no names for their operations) are stored and described', async () => {
    await addAcls([RT.USER, 'User:carol', Op.CREATE_TOKENS], [RT.DELEGATION_TOKEN, 'token-1', Op.DESCRIBE], [RT.USER, 'User:carol', Op.DESCRIBE_TOKENS, { permission: PermissionType.DENY }]);
    const res = await admin.request(Apis.DescribeAcls, 3, { ...ANY_FILTER, resourceTypeFilter: RT.USER });
    expect(res.resources).toHaveLength(1);
    expect(res.resources[0]!.acls.map((a) => [a.operation, a.permissionType]).sort()).toEqual([
      [Op.CREATE_TOKENS, PermissionType.ALLOW],
      [Op.DESCRIBE_TOKENS, PermissionType.DENY],
    ]);
    const tokens = await admin.request(Apis.DescribeAcls, 3, { ...ANY_FILTER, resourceTypeFilter: RT.DELEGATION_TOKEN });
    expect(tokens.resources.map((r) => r.resourceName)).toEqual(['token-1']);
  });

  it('an ACL request from a principal without ALTER / DESCRIBE on the cluster is CLUSTER_AUTHORIZATION_FAILED', async () => {
    const created = await bob.request(Apis.CreateAcls, 3, { creations: [creation([RT.TOPIC, 't', Op.READ, { principal: 'User:bob' }])] });
    expect(created.results[0]!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const described = await bob.request(Apis.DescribeAcls, 3, ANY_FILTER);
    expect(described.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const deleted = await bob.request(Apis.DeleteAcls, 3, { filters: [ANY_FILTER] });
    expect(deleted.filterResults[0]!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  it('weir acl add|list|remove with --command-config', async () => {
    const config = path.join(dataDir, 'admin.properties');
    fs.writeFileSync(
      config,
      'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n' +
        'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret";\n',
    );
    const weir = (...args: string[]) => run(process.execPath, [CLI, 'acl', ...args, '-b', bootstrap, '--command-config', config], '', 30_000);
    let r = await weir('add', '--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'Write', '--topic', 'cli-t');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    r = await weir('add', '--deny-principal', 'User:bob', '--operation', 'All', '--group', 'cli-', '--resource-pattern-type', 'prefixed');
    expect(r.code).toBe(0);
    r = await weir('list');
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    expect(rows).toEqual([
      ['GROUP', 'cli-', 'PREFIXED', 'User:bob', '*', 'ALL', 'DENY'],
      ['TOPIC', 'cli-t', 'LITERAL', 'User:alice', '*', 'READ', 'ALLOW'],
      ['TOPIC', 'cli-t', 'LITERAL', 'User:alice', '*', 'WRITE', 'ALLOW'],
    ]);
    r = await weir('list', '--group', 'cli-orders', '--resource-pattern-type', 'match');
    expect(r.stdout).toContain('cli-');
    expect(r.stdout).not.toContain('cli-t');
    r = await weir('remove', '--topic', 'cli-t', '--operation', 'Write');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('WRITE');
    expect(r.stdout).not.toContain('READ');
    r = await weir('list', '--topic', 'cli-t');
    expect(r.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/)[5])).toEqual(['READ']);
    // --allow-principal / --deny-principal remove only ACLs of that permission, as kafka-acls.sh.
    r = await weir('remove', '--group', 'cli-', '--resource-pattern-type', 'prefixed', '--allow-principal', 'User:bob');
    expect(r.stdout.trim().split('\n')).toHaveLength(1); // the header only
    r = await weir('remove', '--group', 'cli-', '--resource-pattern-type', 'prefixed', '--deny-principal', 'User:bob');
    expect(r.stdout).toContain('DENY');
    // A principal without ALTER on the cluster is told so.
    const bobConfig = path.join(dataDir, 'bob.properties');
    fs.writeFileSync(bobConfig, fs.readFileSync(config, 'utf8').replace('"admin" password="admin-secret"', '"bob" password="bob-secret"'));
    r = await run(process.execPath, [CLI, 'acl', 'add', '--allow-principal', 'User:bob', '--topic', 'x', '-b', bootstrap, '--command-config', bobConfig], '', 30_000);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('CLUSTER_AUTHORIZATION_FAILED');
  });
});

describe('real clients as an allowed and a denied principal', () => {
  it('kafkajs: alice produces and consumes; bob sees TOPIC_, GROUP_, CLUSTER_ and TRANSACTIONAL_ID_AUTHORIZATION_FAILED', async () => {
    const topic = 'kafkajs-acl';
    await createTopic(topic);
    await addAcls([RT.TOPIC, topic, Op.WRITE], [RT.TOPIC, topic, Op.READ], [RT.GROUP, 'security-kafkajs-', Op.READ, { pattern: PatternType.PREFIXED }]);
    // bob may see the topic (DESCRIBE), not write it, nor use any group.
    await addAcls([RT.TOPIC, topic, Op.DESCRIBE, { principal: 'User:bob' }], [RT.TOPIC, topic, Op.READ, { principal: 'User:bob' }]);
    const sent = Array.from({ length: 20 }, (_, i) => `alice-${i}`);
    const read = await kafkajsRoundTrip(bootstrap, { sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } }, topic, sent);
    expect(read).toEqual(sent);

    const kafka = new KafkaJs({ brokers: [bootstrap], clientId: 'acls-bob', logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'plain', username: 'bob', password: 'bob-secret' } });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await expect(producer.send({ topic, acks: -1, messages: [{ value: 'bob' }] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
      // A topic bob may not even describe: kafkajs's metadata request already fails.
      await expect(producer.send({ topic: 'kafkajs-acl-hidden', acks: -1, messages: [{ value: 'bob' }] })).rejects.toThrow('Not authorized to access topics: [Topic authorization failed]');
    } finally {
      await producer.disconnect();
    }
    const crashOf = async (groupId: string): Promise<{ name?: string; type?: string }> => {
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, retry: { retries: 0 } });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        const crashed = new Promise<{ name?: string; type?: string }>((resolve) => consumer.on(consumer.events.CRASH, (e) => resolve(e.payload.error as { type?: string })));
        await consumer.run({ eachMessage: async () => undefined });
        return await crashed;
      } finally {
        await consumer.disconnect();
      }
    };
    // No ACL on the group: FindCoordinator is GROUP_AUTHORIZATION_FAILED, which kafkajs reports as
    // "Failed to find group coordinator" (it tries every broker, as it does against Kafka).
    expect(await crashOf('bob-group')).toMatchObject({ name: 'KafkaJSGroupCoordinatorNotFound' });
    // DESCRIBE but not READ on the group: JoinGroup's GROUP_AUTHORIZATION_FAILED reaches the user.
    await addAcls([RT.GROUP, 'bob-group-2', Op.DESCRIBE, { principal: 'User:bob' }]);
    expect(await crashOf('bob-group-2')).toMatchObject({ type: 'GROUP_AUTHORIZATION_FAILED' });
    // An idempotent producer (kafkajs asks for its producer id on connect): IDEMPOTENT_WRITE on the
    // cluster or WRITE on some topic, else CLUSTER_AUTHORIZATION_FAILED.
    const txProducer = () => kafka.producer({ transactionalId: 'bob-tx', idempotent: true, maxInFlightRequests: 1, retry: { retries: 1, initialRetryTime: 10 } });
    const denied = txProducer();
    await expect(denied.connect()).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
    await denied.disconnect();
    // Transactions: DESCRIBE on the id finds the coordinator, InitProducerId needs WRITE on it.
    await addAcls([RT.CLUSTER, 'kafka-cluster', Op.IDEMPOTENT_WRITE, { principal: 'User:bob' }], [RT.TRANSACTIONAL_ID, 'bob-tx', Op.DESCRIBE, { principal: 'User:bob' }]);
    const transactional = txProducer();
    await transactional.connect();
    try {
      await expect(transactional.transaction()).rejects.toMatchObject({ type: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' });
    } finally {
      await transactional.disconnect();
    }
    // Every value alice had acknowledged is still there, and nothing of bob's.
    const log = await readPartitionLog(admin, topic, 0);
    expect(log.batches.flatMap((b) => b.records.map((r) => r.value?.toString('utf8')))).toEqual(sent);
  });

  it('node-rdkafka: alice produces and consumes; bob gets delivery reports and consumer errors with the authorization codes', async () => {
    const topic = 'rdkafka-acl';
    await createTopic(topic);
    await addAcls([RT.TOPIC, topic, Op.WRITE], [RT.TOPIC, topic, Op.READ], [RT.GROUP, 'security-rdkafka-', Op.READ, { pattern: PatternType.PREFIXED }]);
    await addAcls([RT.TOPIC, topic, Op.DESCRIBE, { principal: 'User:bob' }]);
    const security = { 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'alice', 'sasl.password': 'alice-secret' };
    const sent = Array.from({ length: 20 }, (_, i) => `rd-${i}`);
    expect(await rdkafkaRoundTrip(bootstrap, security, topic, sent)).toEqual(sent);

    const bobSecurity = { ...security, 'sasl.username': 'bob', 'sasl.password': 'bob-secret' };
    const producer = new Kafka.Producer({ 'bootstrap.servers': bootstrap, dr_cb: true, 'request.required.acks': -1, ...bobSecurity } as Kafka.ProducerGlobalConfig);
    await new Promise<void>((resolve, reject) => producer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
    try {
      const report = new Promise<{ code?: number; message?: string } | null>((resolve) => producer.on('delivery-report', (err) => resolve(err as { code?: number } | null)));
      producer.setPollInterval(10);
      producer.produce(topic, 0, Buffer.from('bob'));
      producer.flush(10_000);
      const err = await report;
      expect(err).not.toBeNull();
      // node-rdkafka's delivery report carries librdkafka's text for the broker's error code 29.
      expect(err!.message).toMatch(/topic authorization failed/i);
    } finally {
      await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
    }

    // bob's consumer in a group he may not use: librdkafka reports GROUP_AUTHORIZATION_FAILED.
    const errors: { code?: number; message: string }[] = [];
    const consumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': 'bob-rdkafka', 'fetch.wait.max.ms': 100, ...bobSecurity } as Kafka.ConsumerGlobalConfig, {
      'auto.offset.reset': 'earliest',
    });
    consumer.on('event.error', (e) => errors.push(e as { code?: number; message: string }));
    await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
    try {
      consumer.subscribe([topic]);
      const deadline = Date.now() + 20_000;
      while (!errors.some((e) => e.code === Kafka.CODES.ERRORS.ERR_GROUP_AUTHORIZATION_FAILED) && Date.now() < deadline) {
        await new Promise<void>((resolve) =>
          consumer.consume(10, (err) => {
            if (err) errors.push(err as { code?: number; message: string });
            resolve();
          }),
        );
      }
      expect(errors.map((e) => e.code)).toContain(Kafka.CODES.ERRORS.ERR_GROUP_AUTHORIZATION_FAILED);
    } finally {
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
    }
  });
});

interface MatrixCase {
  acl: Acl;
  /** ACLs both principals get (what the API needs besides the one under test). */
  needs?: Acl[];
  call: (c: RawKafkaClient) => Promise<number>;
  allowed: number;
  denied: number;
}

const MT = 'matrix-t';
const MG = 'matrix-g';
let created = 0;

const MATRIX: Record<string, MatrixCase> = {
  'TOPIC READ (Fetch)': { acl: [RT.TOPIC, MT, Op.READ], call: (c) => fetchCode(c, MT), allowed: ErrorCode.NONE, denied: ErrorCode.TOPIC_AUTHORIZATION_FAILED },
  'TOPIC WRITE (Produce)': { acl: [RT.TOPIC, MT, Op.WRITE], call: (c) => produce(c, MT), allowed: ErrorCode.NONE, denied: ErrorCode.TOPIC_AUTHORIZATION_FAILED },
  'TOPIC DESCRIBE (ListOffsets)': {
    acl: [RT.TOPIC, MT, Op.DESCRIBE],
    call: async (c) =>
      (await c.request(Apis.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: MT, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] })).topics[0]!
        .partitions[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  },
  'TOPIC CREATE (CreateTopics)': {
    acl: [RT.TOPIC, 'matrix-created-', Op.CREATE, { pattern: PatternType.PREFIXED }],
    call: async (c) =>
      (await c.request(Apis.CreateTopics, 7, requestBody(Apis.CreateTopics, { topics: [{ name: `matrix-created-${++created}`, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }] })))
        .topics[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  },
  'TOPIC DELETE (DeleteRecords)': {
    acl: [RT.TOPIC, MT, Op.DELETE],
    call: async (c) => (await c.request(Apis.DeleteRecords, 2, { topics: [{ name: MT, partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 5000 })).topics[0]!.partitions[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  },
  'TOPIC ALTER (CreatePartitions)': {
    acl: [RT.TOPIC, MT, Op.ALTER],
    call: async (c) => (await c.request(Apis.CreatePartitions, 3, { topics: [{ name: MT, count: 2, assignments: null }], timeoutMs: 5000, validateOnly: true })).results[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  },
  'TOPIC DESCRIBE_CONFIGS (DescribeConfigs)': {
    acl: [RT.TOPIC, MT, Op.DESCRIBE_CONFIGS],
    call: async (c) =>
      (await c.request(Apis.DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: MT, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false })).results[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  },
  'TOPIC ALTER_CONFIGS (IncrementalAlterConfigs)': {
    acl: [RT.TOPIC, MT, Op.ALTER_CONFIGS],
    call: async (c) =>
      (
        await c.request(Apis.IncrementalAlterConfigs, 1, {
          resources: [{ resourceType: 2, resourceName: MT, configs: [{ name: 'retention.ms', configOperation: 0, value: '600000' }] }],
          validateOnly: true,
        })
      ).responses[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  },
  'GROUP READ (OffsetCommit)': {
    acl: [RT.GROUP, MG, Op.READ],
    needs: [[RT.TOPIC, MT, Op.READ]],
    call: async (c) =>
      (
        await c.request(
          Apis.OffsetCommit,
          8,
          requestBody(Apis.OffsetCommit, {
            groupId: MG,
            generationIdOrMemberEpoch: -1,
            memberId: '',
            groupInstanceId: null,
            topics: [{ name: MT, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null, commitTimestamp: -1n }] }],
          }),
        )
      ).topics[0]!.partitions[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.GROUP_AUTHORIZATION_FAILED,
  },
  'GROUP DESCRIBE (DescribeGroups)': {
    acl: [RT.GROUP, MG, Op.DESCRIBE],
    call: async (c) => (await c.request(Apis.DescribeGroups, 5, { groups: [MG], includeAuthorizedOperations: false })).groups[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.GROUP_AUTHORIZATION_FAILED,
  },
  'GROUP DELETE (DeleteGroups)': {
    acl: [RT.GROUP, 'matrix-never-used', Op.DELETE],
    call: async (c) => (await c.request(Apis.DeleteGroups, 2, { groupsNames: ['matrix-never-used'] })).results[0]!.errorCode,
    allowed: ErrorCode.GROUP_ID_NOT_FOUND,
    denied: ErrorCode.GROUP_AUTHORIZATION_FAILED,
  },
  'CLUSTER CREATE (CreateTopics)': {
    acl: [RT.CLUSTER, 'kafka-cluster', Op.CREATE],
    call: async (c) =>
      (await c.request(Apis.CreateTopics, 7, requestBody(Apis.CreateTopics, { topics: [{ name: `matrix-any-${++created}`, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }] })))
        .topics[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  },
  'CLUSTER ALTER (CreateAcls)': {
    acl: [RT.CLUSTER, 'kafka-cluster', Op.ALTER],
    call: async (c) => (await c.request(Apis.CreateAcls, 3, { creations: [creation([RT.TOPIC, 'x', Op.READ, { principal: 'User:nobody' }])] })).results[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  },
  'CLUSTER DESCRIBE (DescribeLogDirs)': {
    acl: [RT.CLUSTER, 'kafka-cluster', Op.DESCRIBE],
    call: async (c) => (await c.request(Apis.DescribeLogDirs, 4, { topics: null })).errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  },
  'CLUSTER DESCRIBE_CONFIGS (DescribeConfigs BROKER)': {
    acl: [RT.CLUSTER, 'kafka-cluster', Op.DESCRIBE_CONFIGS],
    call: async (c) =>
      (await c.request(Apis.DescribeConfigs, 4, { resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['log.retention.ms'] }], includeSynonyms: false, includeDocumentation: false })).results[0]!
        .errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  },
  'CLUSTER ALTER_CONFIGS (IncrementalAlterConfigs BROKER)': {
    acl: [RT.CLUSTER, 'kafka-cluster', Op.ALTER_CONFIGS],
    call: async (c) =>
      (
        await c.request(Apis.IncrementalAlterConfigs, 1, {
          resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'log.retention.ms', configOperation: 0, value: '600000' }] }],
          validateOnly: true,
        })
      ).responses[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  },
  'CLUSTER DESCRIBE_CONFIGS (DescribeClientQuotas)': {
    acl: [RT.CLUSTER, 'kafka-cluster', Op.DESCRIBE_CONFIGS],
    call: async (c) => (await c.request(Apis.DescribeClientQuotas, 1, { components: [], strict: false })).errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  },
  'CLUSTER ALTER_CONFIGS (AlterClientQuotas)': {
    acl: [RT.CLUSTER, 'kafka-cluster', Op.ALTER_CONFIGS],
    call: async (c) =>
      (
        await c.request(Apis.AlterClientQuotas, 1, {
          entries: [{ entity: [{ entityType: 'user', entityName: 'carol' }], ops: [{ key: 'producer_byte_rate', value: 1048576, remove: false }] }],
          validateOnly: true,
        })
      ).entries[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  },
  'CLUSTER IDEMPOTENT_WRITE (InitProducerId)': {
    acl: [RT.CLUSTER, 'kafka-cluster', Op.IDEMPOTENT_WRITE],
    call: async (c) => (await c.request(Apis.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 })).errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  },
  'CLUSTER CLUSTER_ACTION (OffsetForLeaderEpoch)': {
    acl: [RT.CLUSTER, 'kafka-cluster', Op.CLUSTER_ACTION],
    call: async (c) =>
      (await c.request(Apis.OffsetForLeaderEpoch, 4, { replicaId: -1, topics: [{ topic: MT, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] })).topics[0]!.partitions[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  },
  'TRANSACTIONAL_ID WRITE (InitProducerId)': {
    acl: [RT.TRANSACTIONAL_ID, 'matrix-tx', Op.WRITE],
    call: async (c) => (await c.request(Apis.InitProducerId, 4, { transactionalId: 'matrix-tx', transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 })).errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  },
  'TRANSACTIONAL_ID DESCRIBE (FindCoordinator)': {
    acl: [RT.TRANSACTIONAL_ID, 'matrix-tx', Op.DESCRIBE],
    call: async (c) => (await c.request(Apis.FindCoordinator, 4, { key: '', keyType: 1, coordinatorKeys: ['matrix-tx'] })).coordinators[0]!.errorCode,
    allowed: ErrorCode.NONE,
    denied: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  },
};

describe('the ACL matrix: each (resource type, operation) through an API that needs it, with raw requests', () => {
  beforeAll(async () => {
    await createTopic(MT);
    expect(await produce(admin, MT, 'seed')).toBe(ErrorCode.NONE);
  });

  it.each(Object.keys(MATRIX))('%s', async (name) => {
    const c = MATRIX[name]!;
    for (const need of c.needs ?? []) await addAcls(need, [need[0], need[1], need[2], { principal: 'User:bob' }]);
    await addAcls(c.acl);
    // bob first: a denied call must not depend on what alice's call changed.
    expect(await c.call(bob)).toBe(c.denied);
    expect(await c.call(alice)).toBe(c.allowed);
  });
});

describe('StandardAuthorizer semantics through the broker', () => {
  it('prefixed patterns match names that start with the prefix', async () => {
    await createTopic('pre-orders');
    await createTopic('prx-orders');
    await addAcls([RT.TOPIC, 'pre-', Op.WRITE, { pattern: PatternType.PREFIXED }]);
    expect(await produce(alice, 'pre-orders')).toBe(ErrorCode.NONE);
    expect(await produce(alice, 'prx-orders')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('a DENY wins over any ALLOW, for the operation it names only', async () => {
    await createTopic('deny-t');
    await addAcls([RT.TOPIC, 'deny-t', Op.ALL, { principal: 'User:*' }], [RT.TOPIC, 'de', Op.WRITE, { principal: 'User:bob', permission: PermissionType.DENY, pattern: PatternType.PREFIXED }]);
    expect(await produce(alice, 'deny-t')).toBe(ErrorCode.NONE);
    expect(await produce(bob, 'deny-t')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(await fetchCode(bob, 'deny-t')).toBe(ErrorCode.NONE);
  });

  it('READ implies DESCRIBE: the topic is in Metadata and ListOffsets answers; WRITE is still refused', async () => {
    await createTopic('implied-t');
    await addAcls([RT.TOPIC, 'implied-t', Op.READ]);
    const meta = await metadataOf(alice, ['implied-t']);
    expect(meta.topics[0]).toMatchObject({ name: 'implied-t', errorCode: ErrorCode.NONE });
    expect(await produce(alice, 'implied-t')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('Metadata leaves out topics the principal may not describe; named ones are TOPIC_AUTHORIZATION_FAILED; auto-create needs CREATE', async () => {
    await createTopic('visible-t');
    await createTopic('hidden-t');
    await addAcls([RT.TOPIC, 'visible-t', Op.DESCRIBE]);
    const all = await metadataOf(alice, null);
    expect(all.topics.map((t) => t.name)).toEqual(['visible-t']);
    const named = await metadataOf(alice, ['visible-t', 'hidden-t', 'no-such-topic']);
    expect(named.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['visible-t', ErrorCode.NONE],
      ['hidden-t', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      ['no-such-topic', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
    // DescribeTopicPartitions (KIP-966) the same way: the hidden topic at the end, refused.
    const dtp = await alice.request(Apis.DescribeTopicPartitions, 0, { topics: [{ name: 'hidden-t' }, { name: 'visible-t' }], responsePartitionLimit: 100, cursor: null });
    expect(dtp.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([
      ['visible-t', ErrorCode.NONE, 1],
      ['hidden-t', ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0],
    ]);
    expect(dtp.topics[0]!.topicAuthorizedOperations).toBe(bits(Op.DESCRIBE));
    // Auto-creation: DESCRIBE on the name is not enough, CREATE is needed too.
    await addAcls([RT.TOPIC, 'auto-', Op.DESCRIBE, { pattern: PatternType.PREFIXED }]);
    const ask = (name: string) => alice.request(Apis.Metadata, 12, { topics: [{ topicId: ZERO_UUID, name }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect((await ask('auto-1')).topics[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await addAcls([RT.TOPIC, 'auto-', Op.CREATE, { pattern: PatternType.PREFIXED }]);
    expect((await ask('auto-2')).topics[0]).toMatchObject({ name: 'auto-2', errorCode: ErrorCode.NONE });
  });

  it('hosts: an ACL for another address does not apply; one for the client address does', async () => {
    await createTopic('host-t');
    await addAcls([RT.TOPIC, 'host-t', Op.WRITE, { host: '10.9.9.9' }]);
    expect(await produce(alice, 'host-t')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await addAcls([RT.TOPIC, 'host-t', Op.WRITE, { host: '127.0.0.1' }]);
    expect(await produce(alice, 'host-t')).toBe(ErrorCode.NONE);
  });

  it('a super user needs no ACL', async () => {
    await createTopic('super-t');
    expect(await produce(admin, 'super-t')).toBe(ErrorCode.NONE);
    expect(await produce(alice, 'super-t')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('authorized operations (KIP-430) in Metadata, DescribeCluster and DescribeGroups', async () => {
    await createTopic('ops-t');
    await addAcls([RT.TOPIC, 'ops-t', Op.READ], [RT.TOPIC, 'ops-t', Op.ALTER_CONFIGS], [RT.GROUP, 'ops-g', Op.READ]);
    const meta = await metadataOf(alice, ['ops-t'], true);
    expect(meta.topics[0]!.topicAuthorizedOperations).toBe(bits(Op.READ, Op.DESCRIBE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS));
    const cluster = () => alice.request(Apis.DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    expect((await cluster()).clusterAuthorizedOperations).toBe(0); // no DESCRIBE on the cluster
    await addAcls([RT.CLUSTER, 'kafka-cluster', Op.ALTER], [RT.CLUSTER, 'kafka-cluster', Op.IDEMPOTENT_WRITE]);
    expect((await cluster()).clusterAuthorizedOperations).toBe(bits(Op.ALTER, Op.DESCRIBE, Op.IDEMPOTENT_WRITE));
    const adminCluster = await admin.request(Apis.DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    expect(adminCluster.clusterAuthorizedOperations).toBe(bits(Op.CREATE, Op.CLUSTER_ACTION, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS, Op.IDEMPOTENT_WRITE, Op.ALTER, Op.DESCRIBE));
    const groups = await alice.request(Apis.DescribeGroups, 5, { groups: ['ops-g', 'other-g'], includeAuthorizedOperations: true });
    expect(groups.groups.map((g) => [g.groupId, g.errorCode, g.authorizedOperations])).toEqual([
      ['ops-g', ErrorCode.NONE, bits(Op.READ, Op.DESCRIBE)],
      ['other-g', ErrorCode.GROUP_AUTHORIZATION_FAILED, NOT_REQUESTED],
    ]);
  });
});

describe('ACLs are metadata records', () => {
  it('they survive a broker restart and are enforced after it', async () => {
    await createTopic('restart-t');
    await addAcls([RT.TOPIC, 'restart-t', Op.WRITE], [RT.TOPIC, 'restart-', Op.READ, { pattern: PatternType.PREFIXED, principal: 'User:bob' }]);
    const before = await admin.request(Apis.DescribeAcls, 3, ANY_FILTER);
    expect(await produce(alice, 'restart-t', 'before')).toBe(ErrorCode.NONE);
    closeClients();
    expect(await broker.stop()).toBe(0);

    await start();
    const after = await admin.request(Apis.DescribeAcls, 3, ANY_FILTER);
    const key = (r: typeof after.resources) => r.flatMap((x) => x.acls.map((a) => JSON.stringify([x.resourceType, x.resourceName, x.patternType, a.principal, a.host, a.operation, a.permissionType]))).sort();
    expect(key(after.resources)).toEqual(key(before.resources));
    expect(key(after.resources)).toHaveLength(2);
    expect(await produce(alice, 'restart-t', 'after')).toBe(ErrorCode.NONE);
    expect(await produce(bob, 'restart-t')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(await fetchCode(bob, 'restart-t')).toBe(ErrorCode.NONE);
  }, 60_000);
});
