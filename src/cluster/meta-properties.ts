/**
 * `meta.properties`: the identity of a log directory, as Kafka keeps it —
 * which cluster it belongs to, which node owns it, and the directory's own
 * id. A Java properties file, written the way a KRaft broker writes it:
 *
 *   #
 *   #Sat Dec 07 10:15:00 UTC 2024
 *   cluster.id=<22-character base64url Uuid>
 *   directory.id=<22-character base64url Uuid>
 *   node.id=1
 *   version=1
 *
 * Version 0 files (ZooKeeper-era brokers: `broker.id` instead of `node.id`)
 * are read too. On start, as Kafka does: the stored node id must be the
 * configured `node.id`, the cluster id must be present, and a missing
 * directory id is generated and written back. Kafka refuses a directory
 * without the file until `kafka-storage.sh format` has run; Weir formats a
 * new directory itself on first start (one command to run a broker).
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { parseProperties } from '../config/properties-file';
import { replaceFileAtomically } from '../storage/atomic-file';

export const META_PROPERTIES_FILE = 'meta.properties';

export interface MetaProperties {
  /** 1 for KRaft brokers (`node.id`); 0 for files from ZooKeeper-era brokers (`broker.id`). */
  version: 0 | 1;
  nodeId: number | null;
  clusterId: string | null;
  /** A Kafka Uuid in base64url; null in files written before Kafka 3.7. */
  directoryId: string | null;
}

/** A meta.properties that passed the start-up checks: every field present. */
export interface VerifiedMetaProperties extends MetaProperties {
  nodeId: number;
  clusterId: string;
  directoryId: string;
}

/**
 * A random Kafka Uuid as Kafka prints it (base64url, no padding): a version 4
 * UUID that is not one of the reserved ids (the first 100) and does not start
 * with '-' (which a command line would take for an option).
 */
export function randomKafkaUuid(): string {
  for (;;) {
    const bytes = Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
    const text = bytes.toString('base64url');
    if (!text.startsWith('-') && !isReservedUuid(bytes)) return text;
  }
}

function isReservedUuid(bytes: Buffer): boolean {
  return bytes.readBigUInt64BE(0) === 0n && bytes.readBigUInt64BE(8) < 100n;
}

function parseKafkaUuid(text: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]{22}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.length === 16 ? bytes : null;
}

function parseNodeId(value: string, key: string, where: string): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new Error(`${where}: unable to read ${key} as a base-10 number (${JSON.stringify(value)})`);
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw new Error(`${where}: ${key} ${value} is out of the int range`);
  return n;
}

/** Parses the text of a meta.properties file; `where` names it in errors. Throws on a malformed file, as Kafka refuses it. */
export function parseMetaProperties(text: string, where: string): MetaProperties {
  const { properties: props, errors } = parseProperties(text);
  if (errors.length > 0) throw new Error(`${where}: ${errors.join('; ')}`);
  const versionText = (props.get('version') ?? '0').trim();
  if (versionText !== '0' && versionText !== '1') throw new Error(`${where}: unknown meta.properties version number ${JSON.stringify(versionText)}`);
  const version = versionText === '1' ? 1 : 0;
  let nodeId: number | null = null;
  if (version === 1) {
    const raw = props.get('node.id');
    if (raw === undefined) throw new Error(`${where}: node.id was not found`);
    nodeId = parseNodeId(raw, 'node.id', where);
  } else {
    const raw = props.get('broker.id');
    if (raw !== undefined) nodeId = parseNodeId(raw, 'broker.id', where);
  }
  const clusterId = props.get('cluster.id') ?? null;
  if (version === 1 && clusterId === null) throw new Error(`${where}: cluster.id was not found`);
  const directoryId = props.get('directory.id') ?? null;
  if (directoryId !== null) {
    const bytes = parseKafkaUuid(directoryId);
    if (!bytes) throw new Error(`${where}: unable to read directory.id ${JSON.stringify(directoryId)} as a Uuid`);
    if (isReservedUuid(bytes)) throw new Error(`${where}: directory.id ${directoryId} is one of the reserved directory ids`);
  }
  return { version, nodeId, clusterId, directoryId };
}

/** Java's Properties.store escaping for a key or value (Kafka's values never need it; a migrated cluster id might). */
function escapeProperty(text: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === ' ' && (isKey || i === 0)) out += '\\ ';
    else if (c === '\\' || c === '=' || c === ':' || c === '#' || c === '!') out += `\\${c}`;
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\f') out += '\\f';
    else out += c;
  }
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Sat Dec 07 10:15:00 UTC 2024`: java.util.Date#toString in UTC, the comment Properties.store writes. */
function javaDateString(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** The file's text as Kafka's Properties.store writes it (empty comment line, date line, then the keys, here sorted). */
export function formatMetaProperties(meta: MetaProperties, now: Date = new Date()): string {
  const entries: [string, string][] = [];
  if (meta.clusterId !== null) entries.push(['cluster.id', meta.clusterId]);
  if (meta.directoryId !== null) entries.push(['directory.id', meta.directoryId]);
  if (meta.nodeId !== null) entries.push([meta.version === 1 ? 'node.id' : 'broker.id', String(meta.nodeId)]);
  entries.push(['version', String(meta.version)]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return `#\n#${javaDateString(now)}\n${entries.map(([k, v]) => `${escapeProperty(k, true)}=${escapeProperty(v, false)}\n`).join('')}`;
}

/** The log directory's meta.properties, or null when it has none. Throws when it is malformed. */
export function readMetaProperties(logDir: string): MetaProperties | null {
  const file = path.join(logDir, META_PROPERTIES_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return parseMetaProperties(text, file);
}

/** Replaces the log directory's meta.properties atomically and durably. */
export function writeMetaProperties(logDir: string, meta: MetaProperties): void {
  replaceFileAtomically(path.join(logDir, META_PROPERTIES_FILE), formatMetaProperties(meta));
}

/**
 * Kafka's start-up checks of a stored meta.properties against this broker:
 * the node id must be the configured one, and node and cluster ids must be
 * present. Throws with the reason (the broker then refuses to start).
 */
export function verifyMetaProperties(meta: MetaProperties, expectedNodeId: number, logDir: string): void {
  const file = path.join(logDir, META_PROPERTIES_FILE);
  if (meta.nodeId === null) throw new Error(`node id not found in ${file}`);
  if (meta.nodeId !== expectedNodeId) {
    throw new Error(
      `stored node id ${meta.nodeId} in ${file} does not match the configured node.id ${expectedNodeId}. ` +
        'If you moved your data, make sure your configured node id matches. If you intend to create a new node, remove all data in the data directory.',
    );
  }
  if (meta.clusterId === null) throw new Error(`cluster id not found in ${file}`);
}

/**
 * The verified identity of `logDir` for a broker that has checked `existing`
 * (the file as read before loading, null when there was none): a new
 * directory gets a version 1 file with `clusterIdForNewDir()` and a fresh
 * directory id; an existing file without a directory id gets one. Writes the
 * file only when something changed.
 */
export function completeMetaProperties(
  logDir: string,
  existing: MetaProperties | null,
  nodeId: number,
  clusterIdForNewDir: () => string,
): VerifiedMetaProperties {
  if (existing === null) {
    const meta: VerifiedMetaProperties = { version: 1, nodeId, clusterId: clusterIdForNewDir(), directoryId: randomKafkaUuid() };
    writeMetaProperties(logDir, meta);
    return meta;
  }
  verifyMetaProperties(existing, nodeId, logDir);
  const meta: VerifiedMetaProperties = {
    ...existing,
    nodeId: existing.nodeId as number,
    clusterId: existing.clusterId as string,
    directoryId: existing.directoryId ?? randomKafkaUuid(),
  };
  if (existing.directoryId === null) writeMetaProperties(logDir, meta);
  return meta;
}
