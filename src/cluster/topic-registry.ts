/**
 * The metadata image of a single-node cluster: which topics exist, their
 * stable topic ids, partition counts and config overrides. The cluster id
 * belongs to the data dir's meta.properties; the image records it too.
 *
 * On disk it is one JSON file in the data dir, replaced atomically (see
 * storage/atomic-file) on every change; topic changes are rare
 * admin operations, so rewriting the whole image is simpler than a log and
 * just as safe. In memory mode nothing is written.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replaceFileAtomically } from '../storage/atomic-file';

export interface TopicInfo {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: number;
  /** Topic-level config overrides (Kafka names), as set by CreateTopics / AlterConfigs. */
  readonly configs: Readonly<Record<string, string>>;
}

interface Image {
  version: 1;
  clusterId: string;
  topics: TopicInfo[];
}

const FILE = 'weir-metadata.json';

export class TopicRegistry {
  private readonly byName = new Map<string, TopicInfo>();
  private readonly byId = new Map<string, TopicInfo>();

  private constructor(
    private readonly file: string | null,
    readonly clusterId: string,
    topics: TopicInfo[],
  ) {
    for (const t of topics) this.index(t);
  }

  /**
   * Opens the image in `dataDir`, or an empty in-memory one when dataDir is
   * null, for the cluster `clusterId` (from meta.properties). An image of
   * another cluster is refused, as Kafka refuses a log dir of another cluster.
   */
  static open(dataDir: string | null, clusterId: string): TopicRegistry {
    if (dataDir === null) return new TopicRegistry(null, clusterId, []);
    const file = path.join(dataDir, FILE);
    if (!fs.existsSync(file)) {
      const reg = new TopicRegistry(file, clusterId, []);
      reg.save();
      return reg;
    }
    const image = JSON.parse(fs.readFileSync(file, 'utf8')) as Image;
    if (image.clusterId !== clusterId) throw new Error(`${file} belongs to cluster ${image.clusterId}, but meta.properties says ${clusterId}`);
    return new TopicRegistry(file, image.clusterId, image.topics);
  }

  /**
   * The cluster id an image in `dataDir` recorded, or null (no image): data
   * dirs from before meta.properties kept the cluster id only there.
   */
  static storedClusterId(dataDir: string): string | null {
    const file = path.join(dataDir, FILE);
    if (!fs.existsSync(file)) return null;
    const image = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Image>;
    return typeof image.clusterId === 'string' && image.clusterId !== '' ? image.clusterId : null;
  }

  get(name: string): TopicInfo | undefined {
    return this.byName.get(name);
  }

  getById(topicId: string): TopicInfo | undefined {
    return this.byId.get(topicId);
  }

  list(): TopicInfo[] {
    return [...this.byName.values()];
  }

  create(name: string, partitions: number, configs: Record<string, string> = {}): TopicInfo {
    if (this.byName.has(name)) throw new Error(`topic ${name} exists`);
    const t: TopicInfo = { name, topicId: randomUUID(), partitions, configs: { ...configs } };
    this.index(t);
    this.save();
    return t;
  }

  delete(name: string): TopicInfo | undefined {
    const t = this.byName.get(name);
    if (!t) return undefined;
    this.byName.delete(name);
    this.byId.delete(t.topicId);
    this.save();
    return t;
  }

  setPartitionCount(name: string, partitions: number): TopicInfo {
    return this.replace(name, (t) => ({ ...t, partitions }));
  }

  setConfigs(name: string, configs: Record<string, string>): TopicInfo {
    return this.replace(name, (t) => ({ ...t, configs: { ...configs } }));
  }

  private replace(name: string, change: (t: TopicInfo) => TopicInfo): TopicInfo {
    const old = this.byName.get(name);
    if (!old) throw new Error(`no topic ${name}`);
    const t = change(old);
    this.index(t);
    this.save();
    return t;
  }

  private index(t: TopicInfo): void {
    this.byName.set(t.name, t);
    this.byId.set(t.topicId, t);
  }

  private save(): void {
    if (this.file === null) return;
    const image: Image = { version: 1, clusterId: this.clusterId, topics: this.list() };
    replaceFileAtomically(this.file, JSON.stringify(image, null, 1));
  }
}
