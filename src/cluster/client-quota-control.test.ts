import { ErrorCode } from '../protocol/errors';
import { type QuotaAlteration, clientQuotaAlteration, describeClientQuotas } from './client-quota-control';
import { MetadataDelta } from './metadata/metadata-delta';
import { MetadataImage } from './metadata/metadata-image';

/** Validate on the image, replay the records: what the controller and the loader do. */
function alter(image: MetadataImage, alterations: QuotaAlteration[]) {
  const { records, result } = clientQuotaAlteration(image, alterations);
  const delta = new MetadataDelta(image);
  for (const r of records) delta.replay(r);
  return { image: delta.apply(), result, records };
}

const set = (entity: [string, string | null][], ops: Record<string, number | null>): QuotaAlteration => ({
  entity: entity.map(([entityType, entityName]) => ({ entityType, entityName })),
  ops: Object.entries(ops).map(([key, value]) => ({ key, value: value ?? 0, remove: value === null })),
});

describe('AlterClientQuotas (Kafka’s ClientQuotaControlManager rules)', () => {
  test('sets, changes and removes quotas; only changes become records; the image rebuilds from its records', () => {
    let { image, result, records } = alter(MetadataImage.EMPTY, [
      set([['user', 'alice']], { producer_byte_rate: 1024, request_percentage: 12.5 }),
      set([['user', null], ['client-id', 'app']], { consumer_byte_rate: 2048 }),
      set([['ip', '10.0.0.1']], { connection_creation_rate: 5 }),
    ]);
    expect(result.map((r) => r.errorCode)).toEqual([0, 0, 0]);
    expect(records).toHaveLength(4);
    ({ image, records } = alter(image, [set([['user', 'alice']], { producer_byte_rate: 1024, request_percentage: null })]));
    expect(records).toHaveLength(1);
    expect(records[0]!.data).toMatchObject({ key: 'request_percentage', remove: true });
    const described = describeClientQuotas(image, [], false);
    expect(described).toEqual({
      errorCode: 0,
      entries: [
        { entity: [['user', 'alice']], values: new Map([['producer_byte_rate', 1024]]) },
        { entity: [['client-id', 'app'], ['user', null]], values: new Map([['consumer_byte_rate', 2048]]) },
        { entity: [['ip', '10.0.0.1']], values: new Map([['connection_creation_rate', 5]]) },
      ],
    });
    expect(MetadataDelta.fromEmpty(image).apply().clientQuotas).toEqual(image.clientQuotas);
    // Removing the last quota of an entity removes the entity.
    ({ image } = alter(image, [set([['user', 'alice']], { producer_byte_rate: null })]));
    expect([...image.clientQuotas.values()].some((e) => e.entity[0]![1] === 'alice')).toBe(false);
  });

  test('per-entity errors with Kafka’s messages; valid entities still apply', () => {
    const { image, result } = alter(MetadataImage.EMPTY, [
      set([], { producer_byte_rate: 1 }),
      set([['group', 'g']], { producer_byte_rate: 1 }),
      set([['user', '']], { producer_byte_rate: 1 }),
      set([['ip', '1.2.3.4'], ['user', 'u']], { producer_byte_rate: 1 }),
      set([['ip', 'not an address']], { connection_creation_rate: 1 }),
      set([['user', 'k']], { bogus: 1 }),
      set([['user', 'z']], { producer_byte_rate: 0 }),
      set([['user', 'f']], { producer_byte_rate: 1.5 }),
      set([['ip', null]], { connection_creation_rate: 3e9 }),
      set([['client-id', 'c']], { connection_creation_rate: 1 }),
      set([['user', 'ok']], { consumer_byte_rate: 100 }),
      set([['user', 'ok']], { producer_byte_rate: 100 }),
    ]);
    expect(result.map((r) => [r.errorCode, r.errorMessage])).toEqual([
      [ErrorCode.INVALID_REQUEST, 'Invalid empty client quota entity'],
      [ErrorCode.INVALID_REQUEST, 'Unhandled client quota entity type: group'],
      [ErrorCode.INVALID_REQUEST, 'Empty user not supported'],
      [ErrorCode.INVALID_REQUEST, 'Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId'],
      [ErrorCode.INVALID_REQUEST, 'not an address is not a valid IP or resolvable host.'],
      [ErrorCode.INVALID_REQUEST, 'Invalid configuration key bogus'],
      [ErrorCode.INVALID_REQUEST, 'Quota producer_byte_rate must be greater than 0'],
      [ErrorCode.INVALID_REQUEST, 'producer_byte_rate cannot be a fractional value.'],
      [ErrorCode.INVALID_REQUEST, 'Proposed value for connection_creation_rate is too large for an INT.'],
      [ErrorCode.INVALID_REQUEST, 'Invalid configuration key connection_creation_rate'],
      [ErrorCode.NONE, null],
      [ErrorCode.INVALID_REQUEST, 'Ignoring duplicate entity ClientQuotaEntity(entries={user=ok})'],
    ]);
    expect([...image.clientQuotas.values()].map((e) => [e.entity, [...e.values]])).toEqual([[[['user', 'ok']], [['consumer_byte_rate', 100]]]]);
  });
});

describe('DescribeClientQuotas filters (Kafka’s ClientQuotasImage.describe)', () => {
  const { image } = alter(MetadataImage.EMPTY, [
    set([['user', 'alice']], { producer_byte_rate: 1 }),
    set([['user', null]], { producer_byte_rate: 2 }),
    set([['user', 'alice'], ['client-id', 'app']], { producer_byte_rate: 3 }),
    set([['client-id', 'app']], { producer_byte_rate: 4 }),
  ]);
  const values = (o: ReturnType<typeof describeClientQuotas>) => ('entries' in o ? o.entries.map((e) => e.values.get('producer_byte_rate')) : o);

  test('exact, default and any, strict or not', () => {
    expect(values(describeClientQuotas(image, [{ entityType: 'user', matchType: 0, match: 'alice' }], false))).toEqual([1, 3]);
    expect(values(describeClientQuotas(image, [{ entityType: 'user', matchType: 0, match: 'alice' }], true))).toEqual([1]);
    expect(values(describeClientQuotas(image, [{ entityType: 'user', matchType: 1, match: null }], false))).toEqual([2]);
    expect(values(describeClientQuotas(image, [{ entityType: 'client-id', matchType: 2, match: null }], false))).toEqual([3, 4]);
    expect(values(describeClientQuotas(image, [{ entityType: 'user', matchType: 2, match: null }, { entityType: 'client-id', matchType: 2, match: null }], true))).toEqual([3]);
  });

  test('bad filters fail the whole request', () => {
    expect(describeClientQuotas(image, [{ entityType: 'user', matchType: 0, match: null }], false)).toEqual({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Request specified MATCH_TYPE_EXACT, but set match string to null.',
    });
    expect(describeClientQuotas(image, [{ entityType: 'user', matchType: 1, match: null }, { entityType: 'user', matchType: 2, match: null }], false)).toMatchObject({
      errorMessage: 'Entity type user cannot appear more than once in the filter.',
    });
    expect(describeClientQuotas(image, [{ entityType: 'topic', matchType: 2, match: null }], false)).toEqual({
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      errorMessage: 'Unsupported entity type topic',
    });
    expect(describeClientQuotas(image, [{ entityType: 'ip', matchType: 2, match: null }, { entityType: 'user', matchType: 2, match: null }], false)).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
    });
  });
});

describe('a snapshot replaces quotas and SCRAM credentials', () => {
  test('what the snapshot does not hold is gone, what it holds is kept', () => {
    const { image } = alter(MetadataImage.EMPTY, [set([['user', 'a']], { producer_byte_rate: 1 }), set([['user', 'b']], { producer_byte_rate: 2 })]);
    const withScram = new MetadataDelta(image);
    withScram.replay({ type: 'UserScramCredentialRecord', data: { name: 'gone', mechanism: 1, salt: Buffer.from('s'), storedKey: Buffer.from('k'), serverKey: Buffer.from('v'), iterations: 4096 } });
    const before = withScram.apply();
    const snapshot = new MetadataDelta(before);
    snapshot.replaySnapshot([{ type: 'ClientQuotaRecord', data: { entity: [{ entityType: 'user', entityName: 'b' }], key: 'producer_byte_rate', value: 2, remove: false } }], 100);
    const after = snapshot.apply();
    expect([...after.clientQuotas.values()].map((e) => e.entity)).toEqual([[['user', 'b']]]);
    expect(after.scramCredentials.size).toBe(0);
  });
});
