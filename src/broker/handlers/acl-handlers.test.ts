/**
 * CreateAcls, DescribeAcls and DeleteAcls through a real in-process broker
 * over TCP with raw requests at every version: Kafka's validation and error
 * codes, SECURITY_DISABLED without an authorizer, DeleteAcls answering the
 * ACLs it removed. (The ACLs enforced, kafkajs's admin calls over SASL and a
 * restart: integration/security-acls.test.ts.)
 */
import { Broker } from '../broker';
import { RawKafkaClient, requestBody } from '../../../integration/support/raw-kafka-client';
import { Apis } from '../../protocol/apis';
import { ErrorCode } from '../../protocol/errors';
import { AclOperation as Op, PatternType, PermissionType, ResourceType as RT } from '../../security/authorizer/acl';

const STANDARD_AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';

function creation(resourceType: number, resourceName: string, principal: string, operation: number, options: Partial<{ patternType: number; permissionType: number; host: string }> = {}) {
  return {
    resourceType,
    resourceName,
    resourcePatternType: options.patternType ?? PatternType.LITERAL,
    principal,
    host: options.host ?? '*',
    operation,
    permissionType: options.permissionType ?? PermissionType.ALLOW,
  };
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

describe('without an authorizer', () => {
  let broker: Broker;
  let raw: RawKafkaClient;
  beforeAll(async () => {
    broker = await Broker.start({ memory: true, port: 0, host: '127.0.0.1' });
    raw = await RawKafkaClient.connect(broker.host, broker.port);
  });
  afterAll(async () => {
    raw?.close();
    await broker?.close();
  });

  test('every ACL API answers SECURITY_DISABLED, as Kafka does', async () => {
    const created = await raw.request(Apis.CreateAcls, 3, requestBody(Apis.CreateAcls, { creations: [creation(RT.TOPIC, 't', 'User:a', Op.READ)] }));
    expect(created.results).toEqual([expect.objectContaining({ errorCode: ErrorCode.SECURITY_DISABLED })]);
    const described = await raw.request(Apis.DescribeAcls, 3, requestBody(Apis.DescribeAcls, ANY_FILTER));
    expect(described.errorCode).toBe(ErrorCode.SECURITY_DISABLED);
    const deleted = await raw.request(Apis.DeleteAcls, 3, requestBody(Apis.DeleteAcls, { filters: [ANY_FILTER] }));
    expect(deleted.filterResults).toEqual([expect.objectContaining({ errorCode: ErrorCode.SECURITY_DISABLED, matchingAcls: [] })]);
  });
});

describe('with StandardAuthorizer (the client is a super user)', () => {
  let broker: Broker;
  let raw: RawKafkaClient;
  beforeAll(async () => {
    broker = await Broker.start({
      memory: true,
      port: 0,
      host: '127.0.0.1',
      properties: { 'authorizer.class.name': STANDARD_AUTHORIZER, 'super.users': 'User:ANONYMOUS' },
    });
    raw = await RawKafkaClient.connect(broker.host, broker.port);
  });
  afterAll(async () => {
    raw?.close();
    await broker?.close();
  });

  async function deleteAll(): Promise<void> {
    await raw.request(Apis.DeleteAcls, 3, requestBody(Apis.DeleteAcls, { filters: [ANY_FILTER] }));
  }

  test('create at every version; describe groups by resource pattern; delete returns what it removed', async () => {
    for (let v = 0; v <= 3; v++) {
      const res = await raw.request(Apis.CreateAcls, v, requestBody(Apis.CreateAcls, { creations: [creation(RT.TOPIC, `t${v}`, 'User:alice', Op.READ), creation(RT.TOPIC, `t${v}`, 'User:bob', Op.WRITE)] }));
      expect(res.results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    }
    const prefixed = await raw.request(Apis.CreateAcls, 1, requestBody(Apis.CreateAcls, { creations: [creation(RT.GROUP, 'g-', 'User:alice', Op.READ, { patternType: PatternType.PREFIXED, permissionType: PermissionType.DENY })] }));
    expect(prefixed.results[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(broker.context.metadata.image.acls.size).toBe(9);

    for (let v = 0; v <= 3; v++) {
      // v0 has no pattern type on the wire: LITERAL.
      const patternTypeFilter = v === 0 ? PatternType.LITERAL : PatternType.ANY;
      const res = await raw.request(Apis.DescribeAcls, v, requestBody(Apis.DescribeAcls, { ...ANY_FILTER, resourceTypeFilter: RT.TOPIC, resourceNameFilter: 't2', patternTypeFilter }));
      expect(res.errorCode).toBe(ErrorCode.NONE);
      expect(res.resources).toHaveLength(1);
      expect(res.resources[0]).toMatchObject({ resourceType: RT.TOPIC, resourceName: 't2', patternType: PatternType.LITERAL });
      expect(res.resources[0]!.acls.map((a) => [a.principal, a.host, a.operation, a.permissionType]).sort()).toEqual([
        ['User:alice', '*', Op.READ, PermissionType.ALLOW],
        ['User:bob', '*', Op.WRITE, PermissionType.ALLOW],
      ]);
    }
    // v0 knows LITERAL only: the prefixed group ACL is not listed there, it is at v1+.
    const v0 = await raw.request(Apis.DescribeAcls, 0, requestBody(Apis.DescribeAcls, { ...ANY_FILTER, patternTypeFilter: PatternType.LITERAL }));
    expect(v0.resources.some((r) => r.resourceType === RT.GROUP)).toBe(false);
    const v1 = await raw.request(Apis.DescribeAcls, 1, requestBody(Apis.DescribeAcls, { ...ANY_FILTER, resourceTypeFilter: RT.GROUP }));
    expect(v1.resources).toEqual([expect.objectContaining({ resourceName: 'g-', patternType: PatternType.PREFIXED })]);
    // MATCH: the ACLs that apply to one name.
    const match = await raw.request(Apis.DescribeAcls, 2, requestBody(Apis.DescribeAcls, { ...ANY_FILTER, resourceTypeFilter: RT.GROUP, resourceNameFilter: 'g-orders', patternTypeFilter: PatternType.MATCH }));
    expect(match.resources.map((r) => r.resourceName)).toEqual(['g-']);

    const deleted = await raw.request(Apis.DeleteAcls, 3, requestBody(Apis.DeleteAcls, {
      filters: [
        { ...ANY_FILTER, principalFilter: 'User:bob' },
        { ...ANY_FILTER, resourceTypeFilter: RT.TOPIC, resourceNameFilter: 't0', patternTypeFilter: PatternType.LITERAL },
      ],
    }));
    expect(deleted.filterResults.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(deleted.filterResults[0]!.matchingAcls.map((a) => a.resourceName).sort()).toEqual(['t0', 't1', 't2', 't3']);
    expect(deleted.filterResults[0]!.matchingAcls.every((a) => a.principal === 'User:bob' && a.operation === Op.WRITE && a.errorCode === ErrorCode.NONE)).toBe(true);
    // An ACL two filters match is listed by both, removed once.
    expect(deleted.filterResults[1]!.matchingAcls.map((a) => a.principal).sort()).toEqual(['User:alice', 'User:bob']);
    expect(broker.context.metadata.image.acls.size).toBe(4);
    await deleteAll();
    expect(broker.context.metadata.image.acls.size).toBe(0);
  });

  test("Kafka's validation: INVALID_REQUEST per creation, UNKNOWN codes refuse the request", async () => {
    const res = await raw.request(Apis.CreateAcls, 3, requestBody(Apis.CreateAcls, {
      creations: [
        creation(RT.CLUSTER, 'other', 'User:a', Op.ALTER),
        creation(RT.TOPIC, '', 'User:a', Op.READ),
        creation(RT.TOPIC, 't', 'User:a', Op.ANY),
        creation(RT.ANY, 't', 'User:a', Op.READ),
        creation(RT.TOPIC, 't', 'User:a', Op.READ, { patternType: PatternType.MATCH }),
        creation(RT.TOPIC, 't', 'User:a', Op.READ, { permissionType: PermissionType.ANY }),
        creation(RT.CLUSTER, 'kafka-cluster', 'User:a', Op.ALTER),
      ],
    }));
    expect(res.results).toEqual([
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'The only valid name for the CLUSTER resource is kafka-cluster' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid empty resource name' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid operation ANY' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid resourceType ANY' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid patternType MATCH' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid permissionType ANY' },
      { errorCode: ErrorCode.NONE, errorMessage: null },
    ]);
    const unknown = await raw.request(Apis.CreateAcls, 1, requestBody(Apis.CreateAcls, { creations: [creation(RT.TOPIC, 't', 'User:a', 99)] }));
    expect(unknown.results).toEqual([expect.objectContaining({ errorCode: ErrorCode.INVALID_REQUEST })]);
    const unknownFilter = await raw.request(Apis.DescribeAcls, 1, requestBody(Apis.DescribeAcls, { ...ANY_FILTER, resourceTypeFilter: 0 }));
    expect(unknownFilter.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    const deleteUnknown = await raw.request(Apis.DeleteAcls, 1, requestBody(Apis.DeleteAcls, { filters: [{ ...ANY_FILTER, permissionType: 0 }, ANY_FILTER] }));
    expect(deleteUnknown.filterResults.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    expect(broker.context.metadata.image.acls.size).toBe(1); // the request was refused whole
    await deleteAll();
  });
});
