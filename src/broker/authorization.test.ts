/**
 * The broker's authorization helper: off without authorizer.class.name
 * (everything allowed, every operation reported), Kafka's class names only,
 * and its ACL index follows the metadata deltas.
 */
import { resolveBrokerConfig } from '../config';
import { MetadataDelta } from '../cluster/metadata/metadata-delta';
import { MetadataImage } from '../cluster/metadata/metadata-image';
import type { MetadataRecord } from '../cluster/metadata/metadata-record';
import type { RequestContext } from '../network/request-context';
import { AclOperation as Op, PatternType, ResourceType as RT } from '../security/authorizer/acl';
import { userPrincipal } from '../security/principal';
import { BrokerAuthorizer } from './authorization';

const STANDARD = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
const ID = '00000000-0000-0000-0000-00000000000a';

function authorizer(props: Record<string, string> = {}): BrokerAuthorizer {
  return new BrokerAuthorizer(resolveBrokerConfig({ static: props }).config);
}

function ctx(user: string, remoteAddress = '127.0.0.1:54321'): RequestContext {
  return {
    apiKey: 0,
    apiVersion: 0,
    correlationId: 1,
    clientId: null,
    connectionId: 1,
    remoteAddress,
    localPort: 9092,
    clientSoftwareName: null,
    clientSoftwareVersion: null,
    listenerName: 'PLAINTEXT',
    securityProtocol: 'PLAINTEXT',
    principal: userPrincipal(user),
    requestBytes: 0,
    throttle: () => undefined,
  };
}

function publish(a: BrokerAuthorizer, image: MetadataImage, records: MetadataRecord[]): MetadataImage {
  const delta = new MetadataDelta(image);
  records.forEach((r, i) => delta.replay(r, image.offset + 1 + i));
  const next = delta.apply();
  a.onMetadataUpdate(delta, next);
  return next;
}

test('without authorizer.class.name everything is allowed and KIP-430 lists every operation of the type', () => {
  const a = authorizer();
  expect(a.enabled).toBe(false);
  expect(a.allowed(ctx('bob'), Op.WRITE, RT.TOPIC, 't')).toBe(true);
  expect(a.allowedNames(ctx('bob'), Op.READ, RT.TOPIC, ['a', 'b'])).toEqual(new Set(['a', 'b']));
  expect(a.authorizedOperations(ctx('bob'), RT.GROUP, 'g')).toBe((1 << Op.READ) | (1 << Op.DESCRIBE) | (1 << Op.DELETE));
});

test("only Kafka's authorizer class names are accepted", () => {
  expect(authorizer({ 'authorizer.class.name': STANDARD }).enabled).toBe(true);
  expect(authorizer({ 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer' }).enabled).toBe(true);
  expect(() => authorizer({ 'authorizer.class.name': 'com.example.MyAuthorizer' })).toThrow(/com.example.MyAuthorizer is not available/);
});

test('the ACL index follows the deltas; the host is the client address without its port', () => {
  const a = authorizer({ 'authorizer.class.name': STANDARD, 'super.users': 'User:admin' });
  let image = publish(a, MetadataImage.EMPTY, [
    {
      type: 'AccessControlEntryRecord',
      data: { id: ID, resourceType: RT.TOPIC, resourceName: 'orders-', patternType: PatternType.PREFIXED, principal: 'User:alice', host: '127.0.0.1', operation: Op.WRITE, permissionType: 3 },
    },
  ]);
  expect(a.allowed(ctx('alice'), Op.WRITE, RT.TOPIC, 'orders-eu')).toBe(true);
  expect(a.allowed(ctx('alice', '::ffff:127.0.0.1:1234'), Op.WRITE, RT.TOPIC, 'orders-eu')).toBe(true);
  expect(a.allowed(ctx('alice', '10.0.0.2:1234'), Op.WRITE, RT.TOPIC, 'orders-eu')).toBe(false);
  expect(a.allowed(ctx('bob'), Op.WRITE, RT.TOPIC, 'orders-eu')).toBe(false);
  expect(a.allowed(ctx('admin'), Op.WRITE, RT.TOPIC, 'anything')).toBe(true);
  expect(a.authorizedOperations(ctx('alice'), RT.TOPIC, 'orders-eu')).toBe((1 << Op.WRITE) | (1 << Op.DESCRIBE));
  expect(a.acls({ resourceType: RT.ANY, name: null, patternType: PatternType.ANY, principal: null, host: null, operation: Op.ANY, permissionType: 1 })).toHaveLength(1);
  image = publish(a, image, [{ type: 'RemoveAccessControlEntryRecord', data: { id: ID } }]);
  expect(a.allowed(ctx('alice'), Op.WRITE, RT.TOPIC, 'orders-eu')).toBe(false);
  expect(image.acls.size).toBe(0);
});
