/**
 * ACL decisions with the semantics of Kafka's StandardAuthorizer (KRaft):
 *
 * - `super.users` (`User:alice;User:bob`) may do everything.
 * - The ACLs that concern a resource are the literal ones on its name, the
 *   literal wildcard `*` of its type, and the prefixed ones whose prefix
 *   starts its name.
 * - Of those, an entry applies when its principal is the caller's or
 *   `User:*`, its host the caller's address or `*`, and its operation the
 *   requested one or ALL. An ALLOW entry also grants the operations it
 *   implies: READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS
 *   implies DESCRIBE_CONFIGS. (A DENY implies nothing more than it says.)
 * - Any applicable DENY wins; otherwise any applicable ALLOW allows;
 *   otherwise it is denied, except that a resource with no ACLs at all is
 *   allowed when `allow.everyone.if.no.acl.found=true`.
 *
 * Pure: the ACLs are held here (the metadata image will feed them), the
 * caller passes the principal and host.
 */
import type { KafkaPrincipal } from '../principal';
import {
  type AclBinding,
  AclOperation,
  OPERATIONS_BY_RESOURCE_TYPE,
  PatternType,
  PermissionType,
  ResourceType,
  WILDCARD_HOST,
  WILDCARD_PRINCIPAL,
  WILDCARD_RESOURCE,
} from './acl';

export type AuthorizationResult = 'ALLOWED' | 'DENIED';

export interface AuthorizerConfig {
  /** `super.users`: principals separated by ';'. */
  superUsers: string | null;
  /** `allow.everyone.if.no.acl.found`. */
  allowEveryoneIfNoAclFound: boolean;
}

/** A caller: who, and from which address. */
export interface RequestIdentity {
  principal: KafkaPrincipal;
  /** The client's IP address as the socket reports it. */
  host: string;
}

const IMPLIED_BY: ReadonlyMap<AclOperation, readonly AclOperation[]> = new Map<AclOperation, readonly AclOperation[]>([
  [AclOperation.DESCRIBE, [AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]],
  [AclOperation.DESCRIBE_CONFIGS, [AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]],
]);

/** "::ffff:10.0.0.1" (an IPv4 client on a dual-stack socket) is 10.0.0.1, as Java's InetAddress prints it. */
export function normalizeHost(host: string): string {
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
}

export class StandardAuthorizer {
  private readonly superUsers: ReadonlySet<string>;
  /** resourceType -> name -> bindings, for LITERAL and PREFIXED patterns apart. */
  private readonly literal = new Map<ResourceType, Map<string, AclBinding[]>>();
  private readonly prefixed = new Map<ResourceType, Map<string, AclBinding[]>>();

  constructor(private readonly config: AuthorizerConfig) {
    this.superUsers = new Set(
      (config.superUsers ?? '')
        .split(';')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    );
  }

  addAcl(b: AclBinding): void {
    const index = b.pattern.patternType === PatternType.LITERAL ? this.literal : this.prefixed;
    let byName = index.get(b.pattern.resourceType);
    if (!byName) index.set(b.pattern.resourceType, (byName = new Map()));
    const list = byName.get(b.pattern.name) ?? [];
    if (!list.some((x) => sameBinding(x, b))) list.push(b);
    byName.set(b.pattern.name, list);
  }

  removeAcl(b: AclBinding): boolean {
    const index = b.pattern.patternType === PatternType.LITERAL ? this.literal : this.prefixed;
    const byName = index.get(b.pattern.resourceType);
    const list = byName?.get(b.pattern.name);
    const i = list?.findIndex((x) => sameBinding(x, b)) ?? -1;
    if (i < 0) return false;
    list!.splice(i, 1);
    if (list!.length === 0) byName!.delete(b.pattern.name);
    return true;
  }

  acls(): AclBinding[] {
    const out: AclBinding[] = [];
    for (const index of [this.literal, this.prefixed]) for (const byName of index.values()) for (const list of byName.values()) out.push(...list);
    return out;
  }

  isSuperUser(p: KafkaPrincipal): boolean {
    return this.superUsers.has(`${p.type}:${p.name}`);
  }

  authorize(who: RequestIdentity, operation: AclOperation, resourceType: ResourceType, resourceName: string): AuthorizationResult {
    if (this.isSuperUser(who.principal)) return 'ALLOWED';
    const principal = `${who.principal.type}:${who.principal.name}`;
    const host = normalizeHost(who.host);
    const implied = IMPLIED_BY.get(operation) ?? [operation];
    let foundResourceAcls = false;
    let allowed = false;
    for (const b of this.aclsConcerning(resourceType, resourceName)) {
      foundResourceAcls = true;
      const e = b.entry;
      if (e.principal !== principal && e.principal !== WILDCARD_PRINCIPAL) continue;
      if (e.host !== host && e.host !== WILDCARD_HOST) continue;
      if (e.permissionType === PermissionType.DENY) {
        if (e.operation === operation || e.operation === AclOperation.ALL) return 'DENIED';
      } else if (e.operation === AclOperation.ALL || implied.includes(e.operation)) {
        allowed = true;
      }
    }
    if (allowed) return 'ALLOWED';
    return !foundResourceAcls && this.config.allowEveryoneIfNoAclFound ? 'ALLOWED' : 'DENIED';
  }

  /**
   * Whether the caller may do `operation` on some resource of the type
   * (Kafka's Authorizer.authorizeByResourceType, e.g. IDEMPOTENT_WRITE via
   * WRITE on any topic): an ALLOW on a literal or prefixed name that no DENY
   * covers.
   */
  authorizeByResourceType(who: RequestIdentity, operation: AclOperation, resourceType: ResourceType): AuthorizationResult {
    // As Kafka: a made-up literal name lets super users and "no ACLs" through.
    if (this.authorize(who, operation, resourceType, 'hardcode') === 'ALLOWED') return 'ALLOWED';
    const principal = `${who.principal.type}:${who.principal.name}`;
    const host = normalizeHost(who.host);
    const deny = { literal: new Set<string>(), prefixed: new Set<string>() };
    const allow = { literal: new Set<string>(), prefixed: new Set<string>() };
    let wildcardAllow = false;
    for (const b of this.acls()) {
      if (b.pattern.resourceType !== resourceType) continue;
      const e = b.entry;
      if (e.host !== host && e.host !== WILDCARD_HOST) continue;
      if (e.principal !== principal && e.principal !== WILDCARD_PRINCIPAL) continue;
      if (e.operation !== operation && e.operation !== AclOperation.ALL) continue;
      const literal = b.pattern.patternType === PatternType.LITERAL;
      if (e.permissionType === PermissionType.DENY) {
        if (literal && b.pattern.name === WILDCARD_RESOURCE) return 'DENIED';
        (literal ? deny.literal : deny.prefixed).add(b.pattern.name);
      } else {
        if (literal && b.pattern.name === WILDCARD_RESOURCE) wildcardAllow = true;
        else (literal ? allow.literal : allow.prefixed).add(b.pattern.name);
      }
    }
    if (wildcardAllow) return 'ALLOWED';
    const deniedByPrefix = (name: string) => {
      for (let i = 1; i <= name.length; i++) if (deny.prefixed.has(name.slice(0, i))) return true;
      return false;
    };
    for (const name of allow.literal) if (!deny.literal.has(name) && !deniedByPrefix(name)) return 'ALLOWED';
    for (const name of allow.prefixed) if (!deniedByPrefix(name)) return 'ALLOWED';
    return 'DENIED';
  }

  /** KIP-430: the bit set of the type's operations the caller may do on this resource. */
  authorizedOperations(who: RequestIdentity, resourceType: ResourceType, resourceName: string): number {
    let bits = 0;
    for (const op of OPERATIONS_BY_RESOURCE_TYPE.get(resourceType) ?? []) {
      if (this.authorize(who, op, resourceType, resourceName) === 'ALLOWED') bits |= 1 << op;
    }
    return bits;
  }

  private *aclsConcerning(resourceType: ResourceType, name: string): Iterable<AclBinding> {
    const literal = this.literal.get(resourceType);
    if (literal) {
      yield* literal.get(name) ?? [];
      if (name !== WILDCARD_RESOURCE) yield* literal.get(WILDCARD_RESOURCE) ?? [];
    }
    const prefixed = this.prefixed.get(resourceType);
    if (prefixed) for (const [prefix, list] of prefixed) if (name.startsWith(prefix)) yield* list;
  }
}

function sameBinding(a: AclBinding, b: AclBinding): boolean {
  return (
    a.pattern.resourceType === b.pattern.resourceType &&
    a.pattern.name === b.pattern.name &&
    a.pattern.patternType === b.pattern.patternType &&
    a.entry.principal === b.entry.principal &&
    a.entry.host === b.entry.host &&
    a.entry.operation === b.entry.operation &&
    a.entry.permissionType === b.entry.permissionType
  );
}

export { ResourceType, AclOperation, PermissionType, PatternType };
