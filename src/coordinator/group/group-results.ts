/**
 * What the group coordinator answers, independent of any API version: the
 * handlers turn these into the versioned responses.
 */
import { ErrorCode } from '../../protocol/errors';

export interface JoinGroupMemberInfo {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupResult {
  errorCode: ErrorCode;
  memberId: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  /** The leader's member id ('' on errors). */
  leaderId: string;
  skipAssignment: boolean;
  /** Every member's metadata for the chosen protocol; only the leader gets it. */
  members: JoinGroupMemberInfo[];
}

export interface SyncGroupResult {
  errorCode: ErrorCode;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

export function joinError(memberId: string, errorCode: ErrorCode): JoinGroupResult {
  return { errorCode, memberId, generationId: -1, protocolType: null, protocolName: null, leaderId: '', skipAssignment: false, members: [] };
}

export function syncError(errorCode: ErrorCode): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}
