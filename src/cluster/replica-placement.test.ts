import { placeReplicas } from './replica-placement';

const brokers = (racks: (string | null)[]) => racks.map((rack, i) => ({ id: i + 1, rack }));

describe('replica placement', () => {
  test('without racks: striped, leaders spread evenly, every replica distinct', () => {
    const placed = placeReplicas(brokers([null, null, null]), 0, 6, 3);
    for (const r of placed) expect(new Set(r).size).toBe(3);
    expect(placed.map((r) => r[0])).toEqual([1, 2, 3, 1, 2, 3]);
    // Followers move too: the second round does not repeat the first.
    expect(placed.slice(3)).not.toEqual(placed.slice(0, 3));
  });

  test('with racks: every partition on as many racks as it can be, leaders alternating racks', () => {
    const b = brokers(['a', 'a', 'b', 'b', 'c', 'c']);
    const rackOf = (id: number) => b.find((x) => x.id === id)!.rack;
    const placed = placeReplicas(b, 0, 12, 3);
    for (const r of placed) expect(new Set(r.map(rackOf)).size).toBe(3);
    const leaders = placed.map((r) => r[0]!);
    expect(leaders.slice(0, 3).map(rackOf)).toEqual(['a', 'b', 'c']);
    // Every broker leads the same number of partitions.
    for (const id of [1, 2, 3, 4, 5, 6]) expect(leaders.filter((l) => l === id)).toHaveLength(2);
  });

  test('more replicas than racks: every rack first, then other brokers', () => {
    const b = brokers(['a', 'a', 'b', 'b']);
    for (const r of placeReplicas(b, 0, 4, 3)) {
      expect(new Set(r).size).toBe(3);
      expect(new Set(r.map((id) => b[id - 1]!.rack))).toEqual(new Set(['a', 'b']));
    }
  });

  test('one broker: every partition there; partitions added later continue the pattern', () => {
    expect(placeReplicas(brokers([null]), 0, 3, 1)).toEqual([[1], [1], [1]]);
    expect(placeReplicas(brokers([null, null]), 2, 2, 1)).toEqual([[1], [2]]);
  });
});
