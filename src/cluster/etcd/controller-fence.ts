/**
 * The controller's fencing token: the etcd key of its winning candidacy and
 * the revision at which that key was created. A write made "as controller"
 * is a transaction that also compares the key's create revision with the
 * token's: while the candidacy stands the compare holds; once the
 * controller's lease expired or it resigned, the key is gone (or is a new
 * key with a later create revision) and the write is refused. A deposed
 * controller, however late it wakes up, can never write.
 *
 * The create revision also serves as the controller's epoch: each new
 * controller's key is created after its predecessor's, so epochs only grow
 * (Kafka's controller epoch, as ZooKeeper's controller_epoch or KRaft's
 * leader epoch).
 */
import { CompareResult, CompareTarget, type ICompare } from './etcd-messages';

export interface ControllerFence {
  /** The controller's node.id. */
  readonly nodeId: number;
  /** The candidacy key in etcd. */
  readonly key: Buffer;
  /** The key's create revision: the token, and the controller epoch. */
  readonly epoch: number;
}

/** The compare that makes a transaction succeed only while `fence` is the standing controller. */
export function fenceCompare(fence: ControllerFence): ICompare {
  return { key: fence.key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: fence.epoch };
}

/** Refused because the writer is not (or no longer) the controller (one class for every store). */
export { NotControllerError } from '../metadata/metadata-store';
