import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-file';
import { LEADER_EPOCH_CHECKPOINT_FORMAT, leaderEpochCheckpointFile } from './leader-epoch-checkpoint-file';
import { MemoryStorageDir } from './memory-storage-dir';
import { OFFSET_CHECKPOINT_FORMAT } from './offset-checkpoint-file';

describe("Kafka's checkpoint text format", () => {
  test('leader-epoch-checkpoint: version 0, `epoch startOffset` lines', () => {
    const dir = new MemoryStorageDir();
    const file = leaderEpochCheckpointFile(dir);
    expect(file.read()).toEqual([]);
    file.write([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 1200 },
    ]);
    expect(dir.readFile('leader-epoch-checkpoint')?.toString()).toBe('0\n2\n0 0\n3 1200\n');
    expect(file.read()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 1200 },
    ]);
  });

  test('read as Kafka reads it: empty means none; more or fewer lines than counted, another version, bad fields are errors', () => {
    const read = (text: string) => decodeCheckpoint(LEADER_EPOCH_CHECKPOINT_FORMAT, text, 'f');
    expect(read('')).toEqual([]);
    expect(read('0\n')).toEqual([]);
    expect(read('0\n0\n')).toEqual([]);
    expect(read('0\n1\n5   77\n')).toEqual([{ epoch: 5, startOffset: 77 }]); // any whitespace between fields
    expect(() => read('1\n0\n')).toThrow(/unsupported version "1", expected 0/);
    expect(() => read('0\n1\n')).toThrow(/expected 1 entries, found 0/);
    expect(() => read('0\n1\n1 2\n3 4\n')).toThrow(/expected 1 entries, found 2/);
    expect(() => read('0\n1\n1 two\n')).toThrow(/bad line 3/);
    expect(() => read('0\n1\n1 2 3\n')).toThrow(/bad line 3/);
    expect(() => read('0\nmany\n')).toThrow(/bad entry count/);
  });

  test('offset checkpoints: `topic partition offset`, topic names with dots, dashes and underscores', () => {
    const entries: [{ topic: string; partition: number }, number][] = [
      [{ topic: '__consumer_offsets', partition: 49 }, 12],
      [{ topic: 'a.b-c_d', partition: 0 }, 0],
    ];
    const bytes = encodeCheckpoint(OFFSET_CHECKPOINT_FORMAT, entries);
    expect(bytes.toString()).toBe('0\n2\n__consumer_offsets 49 12\na.b-c_d 0 0\n');
    expect(decodeCheckpoint(OFFSET_CHECKPOINT_FORMAT, bytes.toString(), 'f')).toEqual(entries);
  });
});
