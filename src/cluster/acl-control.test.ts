/**
 * ACLs are metadata records: the controller validates and writes them
 * (Kafka's AclControlManager rules), the image holds them by id, a snapshot
 * replaces them, and they come back the same after a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveBrokerConfig } from '../config';
import { ErrorCode } from '../protocol/errors';
import { type AclBinding, AclOperation, PatternType, PermissionType, ResourceType } from '../security/authorizer/acl';
import type { AclBindingFilter } from '../security/authorizer/acl-filter';
import { DiskStorageDir } from '../storage/disk-storage-dir';
import { Controller } from './controller';
import { LogMetadataStore } from './metadata/log-metadata-store';
import { imageRecords, MetadataDelta } from './metadata/metadata-delta';
import { MetadataImage } from './metadata/metadata-image';
import { MetadataLoader } from './metadata/metadata-loader';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from './metadata/metadata-record';

const config = resolveBrokerConfig({ static: {} }).config;

function acl(
  name: string,
  principal = 'User:alice',
  operation: number = AclOperation.READ,
  permissionType: number = PermissionType.ALLOW,
  patternType: number = PatternType.LITERAL,
  resourceType: number = ResourceType.TOPIC,
): AclBinding {
  return {
    pattern: { resourceType, name, patternType } as AclBinding['pattern'],
    entry: { principal, host: '*', operation, permissionType } as AclBinding['entry'],
  };
}

const ANY_FILTER: AclBindingFilter = {
  resourceType: ResourceType.ANY,
  name: null,
  patternType: PatternType.ANY,
  principal: null,
  host: null,
  operation: AclOperation.ANY,
  permissionType: PermissionType.ANY,
};

describe('ACL records', () => {
  test('AccessControlEntryRecord and RemoveAccessControlEntryRecord: Kafka api keys 18 and 19, round trip', () => {
    const id = '6f6e7e91-5a3c-4d0b-9a55-2a1b3c4d5e6f';
    const add: MetadataRecord = {
      type: 'AccessControlEntryRecord',
      data: { id, resourceType: 2, resourceName: 't', patternType: 3, principal: 'User:a', host: '*', operation: 3, permissionType: 3 },
    };
    const bytes = encodeMetadataRecord(add);
    // frame v1, api key 18, version 0, the uuid, int8 resource type, compact "t", int8 pattern type, ...
    expect(bytes.toString('hex')).toBe(
      '011200' + id.replace(/-/g, '') + '02' + '0274' + '03' + '07' + Buffer.from('User:a').toString('hex') + '022a' + '03' + '03' + '00',
    );
    expect(decodeMetadataRecord(bytes)).toMatchObject(add);
    const remove = encodeMetadataRecord({ type: 'RemoveAccessControlEntryRecord', data: { id } });
    expect(remove.toString('hex')).toBe('011300' + id.replace(/-/g, '') + '00');
  });

  test('replayed into the image by id; removal of an unknown id is a corrupt log; a snapshot replaces them', () => {
    const A = '00000000-0000-0000-0000-00000000000a';
    const B = '00000000-0000-0000-0000-00000000000b';
    const rec = (id: string, name: string): MetadataRecord => ({
      type: 'AccessControlEntryRecord',
      data: { id, resourceType: 2, resourceName: name, patternType: 3, principal: 'User:a', host: '*', operation: 3, permissionType: 3 },
    });
    let delta = new MetadataDelta(MetadataImage.EMPTY);
    delta.replay(rec(A, 'x'), 0);
    delta.replay(rec(B, 'y'), 1);
    const image = delta.apply();
    expect(image.acls.size).toBe(2);
    expect(image.acls.byId.get(A)?.pattern.name).toBe('x');
    expect(delta.changedAcls().added.map((b) => b.pattern.name)).toEqual(['x', 'y']);

    delta = new MetadataDelta(image);
    delta.replay({ type: 'RemoveAccessControlEntryRecord', data: { id: A } }, 2);
    const next = delta.apply();
    expect([...next.acls.byId.keys()]).toEqual([B]);
    expect(delta.changedAcls()).toEqual({ added: [], removed: [image.acls.byId.get(A)] });
    expect(image.acls.size).toBe(2); // the image before is untouched

    expect(() => new MetadataDelta(next).replay({ type: 'RemoveAccessControlEntryRecord', data: { id: A } }, 3)).toThrow(/unknown ACL/);

    // A snapshot that names only A: B is gone, A is back.
    delta = new MetadataDelta(next);
    delta.replaySnapshot([rec(A, 'x')], 3);
    expect([...delta.apply().acls.byId.keys()]).toEqual([A]);
    // imageRecords rebuild the ACLs.
    expect(imageRecords(next).filter((r) => r.type === 'AccessControlEntryRecord')).toEqual([rec(B, 'y')]);
  });
});

describe('Controller ACL operations', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'weir-acls-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function open() {
    const store = LogMetadataStore.open(new DiskStorageDir(root).dir('__cluster_metadata-0'));
    const metadata = new MetadataLoader();
    metadata.catchUp(await store.start((b) => metadata.handleCommitted(b)));
    const controller = new Controller(store, metadata, config);
    await controller.bootstrap();
    return { store, metadata, controller };
  }

  test('create validates as Kafka does, writes each new ACL once; they survive a restart', async () => {
    const first = await open();
    const results = await first.controller.createAcls([
      acl('orders'),
      acl('orders'), // the same ACL twice in one request: one record
      acl('pay', 'User:bob', AclOperation.WRITE, PermissionType.DENY, PatternType.PREFIXED),
      acl('x', 'User:a', AclOperation.ANY),
      acl('x', 'User:a', AclOperation.READ, PermissionType.ANY),
      acl('x', 'User:a', AclOperation.READ, PermissionType.ALLOW, PatternType.MATCH),
      acl('x', 'User:a', AclOperation.READ, PermissionType.ALLOW, PatternType.LITERAL, ResourceType.ANY),
      acl(''),
    ]);
    expect(results).toEqual([
      null,
      null,
      null,
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid operation ANY' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid permissionType ANY' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid patternType MATCH' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid resourceType ANY' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Resource name should not be empty' },
    ]);
    expect(first.metadata.image.acls.size).toBe(2);
    const offset = first.metadata.image.offset;
    // An ACL that exists already succeeds and writes nothing.
    expect(await first.controller.createAcls([acl('orders')])).toEqual([null]);
    expect(first.metadata.image.offset).toBe(offset);
    const before = first.metadata.image.acls;
    first.store.close();

    const second = await open();
    expect(second.metadata.image.acls.byId).toEqual(before.byId);
    second.store.close();
  });

  test('delete removes what each filter matches, reports it per filter, writes each removal once', async () => {
    const { store, metadata, controller } = await open();
    await controller.createAcls([
      acl('orders'),
      acl('orders', 'User:bob', AclOperation.WRITE),
      acl('ord', 'User:bob', AclOperation.WRITE, PermissionType.ALLOW, PatternType.PREFIXED),
      acl('*', 'User:carol'),
      acl('g1', 'User:alice', AclOperation.READ, PermissionType.ALLOW, PatternType.LITERAL, ResourceType.GROUP),
    ]);
    const match: AclBindingFilter = { ...ANY_FILTER, resourceType: ResourceType.TOPIC, name: 'orders', patternType: PatternType.MATCH };
    const bob: AclBindingFilter = { ...ANY_FILTER, principal: 'User:bob' };
    const unknown: AclBindingFilter = { ...ANY_FILTER, operation: AclOperation.UNKNOWN };
    const results = await controller.deleteAcls([match, bob, unknown]);
    // MATCH: the literal name, the literal wildcard and the prefix that starts it.
    expect(results[0]!.error).toBeNull();
    expect(results[0]!.deleted.map((b) => `${b.pattern.name}/${b.entry.principal}`).sort()).toEqual(['*/User:carol', 'ord/User:bob', 'orders/User:alice', 'orders/User:bob']);
    expect(results[1]!.deleted.map((b) => b.pattern.name).sort()).toEqual(['ord', 'orders']);
    expect(results[2]).toEqual({ error: { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown entryFilter.' }, deleted: [] });
    expect(metadata.image.acls.list().map((b) => b.pattern.name)).toEqual(['g1']);
    // A filter with no match writes nothing.
    const offset = metadata.image.offset;
    expect(await controller.deleteAcls([bob])).toEqual([{ error: null, deleted: [] }]);
    expect(metadata.image.offset).toBe(offset);
    store.close();
  });
});
