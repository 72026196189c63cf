import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openDataDir } from '../storage/data-dir';
import { GROUP_VERSION_FEATURE, METADATA_VERSION_FEATURE, finalizedFeatureLevels, supportedFeaturesFor } from './features';
import { LogMetadataStore, METADATA_PARTITION_DIR } from './metadata/log-metadata-store';
import { openSingleNode } from './test-support/single-node';

describe('feature levels', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-features-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('a new metadata log finalizes metadata.version 21 and group.version 1', async () => {
    const node = await openSingleNode({ dataDir });
    try {
      expect(Object.fromEntries(node.metadata.image.features)).toEqual({ [METADATA_VERSION_FEATURE]: 21, [GROUP_VERSION_FEATURE]: 1 });
    } finally {
      node.close();
    }
  });

  test('a log written before group.version gets it once on start', async () => {
    // A metadata log as an earlier Weir bootstrapped it: metadata.version only.
    const data = openDataDir({ dataDir });
    const store = LogMetadataStore.open(data.dir.dir(METADATA_PARTITION_DIR));
    await store.start(() => {});
    await store.commit([{ type: 'FeatureLevelRecord', data: { name: METADATA_VERSION_FEATURE, featureLevel: 21 } }], -1);
    store.close();
    data.release();

    const first = await openSingleNode({ dataDir });
    const offset = first.metadata.image.offset;
    expect(first.metadata.image.features.get(GROUP_VERSION_FEATURE)).toBe(1);
    first.close();
    const second = await openSingleNode({ dataDir });
    try {
      expect(second.metadata.image.features.get(GROUP_VERSION_FEATURE)).toBe(1);
      // Nothing written again but the broker's registration.
      expect(second.metadata.image.offset).toBe(offset + 1);
    } finally {
      second.close();
    }
  });

  test('ApiVersions below v4 leaves out features with a supported minimum of 0; level 0 is never finalized', () => {
    expect(supportedFeaturesFor(3).map((f) => f.name)).toEqual([METADATA_VERSION_FEATURE]);
    expect(supportedFeaturesFor(4).map((f) => f.name)).toEqual([METADATA_VERSION_FEATURE, GROUP_VERSION_FEATURE]);
    expect(finalizedFeatureLevels(new Map([['a', 0], ['b', 2]]))).toEqual([{ name: 'b', level: 2 }]);
  });
});
