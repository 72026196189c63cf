/**
 * The broker's authorization: the one helper every handler asks ("may this
 * request's principal do OPERATION on RESOURCE?"), Kafka's AuthHelper.
 *
 * With `authorizer.class.name` unset everything is allowed and the
 * authorized-operations fields (KIP-430) list every operation of the
 * resource type, as Kafka does without an authorizer. With it set to
 * Kafka's StandardAuthorizer (or the older AclAuthorizer name, which Weir
 * serves with the same semantics) the decisions are StandardAuthorizer's
 * (`security/authorizer/`), over the ACLs of the metadata image: as a
 * metadata publisher this keeps the authorizer's index in step with every
 * committed AccessControlEntryRecord / RemoveAccessControlEntryRecord.
 */
import type { Logger } from '../logger';
import type { MetadataDelta } from '../cluster/metadata/metadata-delta';
import type { MetadataImage } from '../cluster/metadata/metadata-image';
import type { MetadataPublisher } from '../cluster/metadata/metadata-loader';
import type { BrokerConfig } from '../config';
import type { RequestContext } from '../network/request-context';
import { type AclBinding, type AclOperation, OPERATIONS_BY_RESOURCE_TYPE, type ResourceType } from '../security/authorizer/acl';
import { type AclBindingFilter, aclFilterMatches } from '../security/authorizer/acl-filter';
import { StandardAuthorizer } from '../security/authorizer/standard-authorizer';
import { principalToString } from '../security/principal';

/** The class names `authorizer.class.name` accepts (Kafka's KRaft and ZooKeeper authorizers). */
export const AUTHORIZER_CLASS_NAMES: readonly string[] = [
  'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'kafka.security.authorizer.AclAuthorizer',
];

export class BrokerAuthorizer implements MetadataPublisher {
  readonly name = 'authorizer';
  /** null: no authorizer configured, everything allowed. */
  private readonly authorizer: StandardAuthorizer | null;
  private image: MetadataImage | null = null;

  constructor(
    config: BrokerConfig,
    private readonly log: Logger | null = null,
  ) {
    const className = (config.optionalString('authorizer.class.name') ?? '').trim();
    if (className !== '' && !AUTHORIZER_CLASS_NAMES.includes(className)) {
      throw new Error(`authorizer.class.name: ${className} is not available; Weir serves ${AUTHORIZER_CLASS_NAMES.join(' (and ')})`);
    }
    this.authorizer =
      className === ''
        ? null
        : new StandardAuthorizer({ superUsers: config.optionalString('super.users'), allowEveryoneIfNoAclFound: config.boolean('allow.everyone.if.no.acl.found') });
  }

  /** Whether an authorizer is configured (CreateAcls and friends answer SECURITY_DISABLED otherwise). */
  get enabled(): boolean {
    return this.authorizer !== null;
  }

  onMetadataUpdate(delta: MetadataDelta, image: MetadataImage): void {
    this.image = image;
    if (!this.authorizer) return;
    const { added, removed } = delta.changedAcls();
    for (const b of removed) this.authorizer.removeAcl(b);
    for (const b of added) this.authorizer.addAcl(b);
  }

  /** May the request's principal do `operation` on the resource? */
  allowed(ctx: RequestContext, operation: AclOperation, resourceType: ResourceType, resourceName: string): boolean {
    if (!this.authorizer) return true;
    const allowed = this.authorizer.authorize(identity(ctx), operation, resourceType, resourceName) === 'ALLOWED';
    if (!allowed) this.log?.debug({ principal: principalToString(ctx.principal), host: identity(ctx).host, operation, resourceType, resourceName }, 'authorization denied');
    return allowed;
  }

  /** The names among `names` the principal may do `operation` on (each name asked once). */
  allowedNames(ctx: RequestContext, operation: AclOperation, resourceType: ResourceType, names: Iterable<string>): Set<string> {
    if (!this.authorizer) return new Set(names);
    const out = new Set<string>();
    for (const name of names) if (!out.has(name) && this.allowed(ctx, operation, resourceType, name)) out.add(name);
    return out;
  }

  /** Kafka's authorizeByResourceType: may the principal do `operation` on some resource of the type? */
  allowedOnAnyOfType(ctx: RequestContext, operation: AclOperation, resourceType: ResourceType): boolean {
    if (!this.authorizer) return true;
    return this.authorizer.authorizeByResourceType(identity(ctx), operation, resourceType) === 'ALLOWED';
  }

  /** KIP-430: the bit set of the resource type's operations the principal may do on the resource. */
  authorizedOperations(ctx: RequestContext, resourceType: ResourceType, resourceName: string): number {
    if (!this.authorizer) {
      let bits = 0;
      for (const op of OPERATIONS_BY_RESOURCE_TYPE.get(resourceType) ?? []) bits |= 1 << op;
      return bits;
    }
    return this.authorizer.authorizedOperations(identity(ctx), resourceType, resourceName);
  }

  /** The ACLs of the image the filter matches (DescribeAcls). */
  acls(filter: AclBindingFilter): AclBinding[] {
    return (this.image?.acls.list() ?? []).filter((b) => aclFilterMatches(filter, b));
  }
}

/** Who asks, from which IP address (the context's remote address is "address:port"). */
function identity(ctx: RequestContext) {
  return { principal: ctx.principal, host: ctx.remoteAddress.replace(/:\d+$/, '') };
}
