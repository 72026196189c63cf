import { userPrincipal } from '../principal';
import { type AclBinding, AclOperation as Op, PatternType, PermissionType, ResourceType as RT, type ResourcePattern } from './acl';
import { StandardAuthorizer } from './standard-authorizer';

const alice = { principal: userPrincipal('alice'), host: '10.0.0.1' };
const bob = { principal: userPrincipal('bob'), host: '10.0.0.2' };

function acl(
  resourceType: ResourcePattern['resourceType'],
  name: string,
  principal: string,
  operation: (typeof Op)[keyof typeof Op],
  permission: 'ALLOW' | 'DENY' = 'ALLOW',
  options: { prefixed?: boolean; host?: string } = {},
): AclBinding {
  return {
    pattern: { resourceType, name, patternType: options.prefixed ? PatternType.PREFIXED : PatternType.LITERAL },
    entry: { principal, host: options.host ?? '*', operation, permissionType: permission === 'ALLOW' ? PermissionType.ALLOW : PermissionType.DENY },
  };
}

function authorizer(acls: AclBinding[], config: Partial<{ superUsers: string; allowEveryoneIfNoAclFound: boolean }> = {}): StandardAuthorizer {
  const a = new StandardAuthorizer({ superUsers: config.superUsers ?? null, allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound ?? false });
  for (const b of acls) a.addAcl(b);
  return a;
}

describe('StandardAuthorizer semantics', () => {
  test('an ALLOW on the literal resource allows the principal, nobody else', () => {
    const a = authorizer([acl(RT.TOPIC, 'orders', 'User:alice', Op.READ)]);
    expect(a.authorize(alice, Op.READ, RT.TOPIC, 'orders')).toBe('ALLOWED');
    expect(a.authorize(bob, Op.READ, RT.TOPIC, 'orders')).toBe('DENIED');
    expect(a.authorize(alice, Op.WRITE, RT.TOPIC, 'orders')).toBe('DENIED');
    expect(a.authorize(alice, Op.READ, RT.TOPIC, 'orders2')).toBe('DENIED');
    expect(a.authorize(alice, Op.READ, RT.GROUP, 'orders')).toBe('DENIED');
  });

  test('prefixed patterns match names that start with the prefix', () => {
    const a = authorizer([acl(RT.TOPIC, 'team-a.', 'User:alice', Op.WRITE, 'ALLOW', { prefixed: true })]);
    expect(a.authorize(alice, Op.WRITE, RT.TOPIC, 'team-a.orders')).toBe('ALLOWED');
    expect(a.authorize(alice, Op.WRITE, RT.TOPIC, 'team-a.')).toBe('ALLOWED');
    expect(a.authorize(alice, Op.WRITE, RT.TOPIC, 'team-b.orders')).toBe('DENIED');
  });

  test('the literal wildcard resource and the wildcard principal match everything of their kind', () => {
    const a = authorizer([acl(RT.GROUP, '*', 'User:*', Op.READ)]);
    expect(a.authorize(alice, Op.READ, RT.GROUP, 'any-group')).toBe('ALLOWED');
    expect(a.authorize(bob, Op.READ, RT.GROUP, 'other')).toBe('ALLOWED');
  });

  test('DENY wins over ALLOW, whichever pattern carries it', () => {
    const a = authorizer([
      acl(RT.TOPIC, '*', 'User:*', Op.ALL),
      acl(RT.TOPIC, 'secret', 'User:alice', Op.READ, 'DENY'),
      acl(RT.TOPIC, 'private.', 'User:*', Op.ALL, 'DENY', { prefixed: true }),
    ]);
    expect(a.authorize(alice, Op.READ, RT.TOPIC, 'public')).toBe('ALLOWED');
    expect(a.authorize(alice, Op.READ, RT.TOPIC, 'secret')).toBe('DENIED');
    expect(a.authorize(alice, Op.WRITE, RT.TOPIC, 'secret')).toBe('ALLOWED');
    expect(a.authorize(bob, Op.READ, RT.TOPIC, 'secret')).toBe('ALLOWED');
    expect(a.authorize(bob, Op.DESCRIBE, RT.TOPIC, 'private.x')).toBe('DENIED');
  });

  test('implied operations: READ/WRITE/DELETE/ALTER imply DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS; only for ALLOW', () => {
    for (const op of [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER]) {
      expect(authorizer([acl(RT.TOPIC, 't', 'User:alice', op)]).authorize(alice, Op.DESCRIBE, RT.TOPIC, 't')).toBe('ALLOWED');
    }
    expect(authorizer([acl(RT.TOPIC, 't', 'User:alice', Op.CREATE)]).authorize(alice, Op.DESCRIBE, RT.TOPIC, 't')).toBe('DENIED');
    expect(authorizer([acl(RT.CLUSTER, 'kafka-cluster', 'User:alice', Op.ALTER_CONFIGS)]).authorize(alice, Op.DESCRIBE_CONFIGS, RT.CLUSTER, 'kafka-cluster')).toBe('ALLOWED');
    expect(authorizer([acl(RT.TOPIC, 't', 'User:alice', Op.DESCRIBE)]).authorize(alice, Op.READ, RT.TOPIC, 't')).toBe('DENIED');
    // A DENY of READ does not deny DESCRIBE.
    const a = authorizer([acl(RT.TOPIC, 't', 'User:alice', Op.ALL), acl(RT.TOPIC, 't', 'User:alice', Op.READ, 'DENY')]);
    expect(a.authorize(alice, Op.DESCRIBE, RT.TOPIC, 't')).toBe('ALLOWED');
    expect(a.authorize(alice, Op.READ, RT.TOPIC, 't')).toBe('DENIED');
  });

  test('hosts: an entry for one address applies only to it (IPv4-mapped IPv6 addresses count as IPv4)', () => {
    const a = authorizer([acl(RT.TOPIC, 't', 'User:alice', Op.READ, 'ALLOW', { host: '10.0.0.1' })]);
    expect(a.authorize(alice, Op.READ, RT.TOPIC, 't')).toBe('ALLOWED');
    expect(a.authorize({ ...alice, host: '::ffff:10.0.0.1' }, Op.READ, RT.TOPIC, 't')).toBe('ALLOWED');
    expect(a.authorize({ ...alice, host: '10.0.0.9' }, Op.READ, RT.TOPIC, 't')).toBe('DENIED');
  });

  test('super.users may do everything, DENY or not', () => {
    const a = authorizer([acl(RT.TOPIC, '*', 'User:*', Op.ALL, 'DENY')], { superUsers: 'User:admin; User:alice' });
    expect(a.authorize(alice, Op.DELETE, RT.TOPIC, 'anything')).toBe('ALLOWED');
    expect(a.authorize(bob, Op.DESCRIBE, RT.TOPIC, 'anything')).toBe('DENIED');
  });

  test('allow.everyone.if.no.acl.found: only resources without any ACL', () => {
    const a = authorizer([acl(RT.TOPIC, 'guarded', 'User:alice', Op.READ)], { allowEveryoneIfNoAclFound: true });
    expect(a.authorize(bob, Op.WRITE, RT.TOPIC, 'open')).toBe('ALLOWED');
    expect(a.authorize(bob, Op.READ, RT.TOPIC, 'guarded')).toBe('DENIED');
    expect(authorizer([]).authorize(bob, Op.WRITE, RT.TOPIC, 'open')).toBe('DENIED');
  });

  test('authorizeByResourceType: some ALLOW not covered by a DENY', () => {
    expect(authorizer([acl(RT.TOPIC, 'a', 'User:alice', Op.WRITE)]).authorizeByResourceType(alice, Op.WRITE, RT.TOPIC)).toBe('ALLOWED');
    expect(authorizer([acl(RT.TOPIC, 'a', 'User:alice', Op.WRITE), acl(RT.TOPIC, 'a', 'User:alice', Op.WRITE, 'DENY')]).authorizeByResourceType(alice, Op.WRITE, RT.TOPIC)).toBe('DENIED');
    expect(
      authorizer([acl(RT.TOPIC, 'abc', 'User:alice', Op.WRITE, 'ALLOW', { prefixed: true }), acl(RT.TOPIC, 'ab', 'User:alice', Op.WRITE, 'DENY', { prefixed: true })]).authorizeByResourceType(alice, Op.WRITE, RT.TOPIC),
    ).toBe('DENIED');
    expect(authorizer([acl(RT.TOPIC, '*', 'User:*', Op.WRITE), acl(RT.TOPIC, 'x', 'User:alice', Op.WRITE)]).authorizeByResourceType(bob, Op.WRITE, RT.TOPIC)).toBe('ALLOWED');
    expect(authorizer([acl(RT.TOPIC, 'x', 'User:alice', Op.WRITE)]).authorizeByResourceType(bob, Op.WRITE, RT.TOPIC)).toBe('DENIED');
  });

  test('authorized operations (KIP-430) are the type’s operations the caller may do, as Kafka’s bit positions', () => {
    const a = authorizer([acl(RT.GROUP, 'g', 'User:alice', Op.READ)]);
    expect(a.authorizedOperations(alice, RT.GROUP, 'g')).toBe((1 << Op.READ) | (1 << Op.DESCRIBE));
    expect(a.authorizedOperations(bob, RT.GROUP, 'g')).toBe(0);
  });

  test('ACLs can be removed; a duplicate is kept once', () => {
    const b = acl(RT.TOPIC, 't', 'User:alice', Op.READ);
    const a = authorizer([b, b]);
    expect(a.acls()).toHaveLength(1);
    expect(a.removeAcl(b)).toBe(true);
    expect(a.removeAcl(b)).toBe(false);
    expect(a.authorize(alice, Op.READ, RT.TOPIC, 't')).toBe('DENIED');
  });
});
