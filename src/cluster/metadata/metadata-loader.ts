/**
 * Turns committed metadata records into images and hands the changes to the
 * broker's publishers (Kafka's MetadataLoader): each committed batch becomes
 * one MetadataDelta over the current image, the delta gives the next image,
 * and every publisher is told (delta, new image) in the order they were
 * installed. The records read at start are applied as one delta before any
 * publisher is installed; a publisher installed later is given the whole
 * image as one delta from nothing, so it sees every topic as created.
 *
 * A publisher that throws is logged and the others still run: one broken
 * subsystem must not stop the image from moving on.
 *
 * A publisher may need to prepare for an update off the event loop first
 * (`prepare`: the replica manager makes new partitions' directories in the
 * thread pool, so that thousands of file-system creates do not hold every
 * client). The update then waits, and every batch committed after it waits
 * behind it: the image moves in log order, all publishers see the same
 * images, and the image does not move until they are told. A commit is
 * therefore applied once `whenApplied` says so, not always by the time
 * the store's `commit` resolves.
 */
import type { Logger } from '../../logger';
import { MetadataDelta } from './metadata-delta';
import { MetadataImage } from './metadata-image';
import type { CommittedBatch } from './metadata-store';

export interface MetadataPublisher {
  /** For log lines. */
  readonly name: string;
  /**
   * Work to finish before `onMetadataUpdate(delta, image)` (see the file
   * header); null when there is none, and the update goes on in the same
   * turn. It must not change what the publisher serves: the update comes
   * after. A rejection is logged and the update goes on.
   */
  prepare?(delta: MetadataDelta, image: MetadataImage): Promise<void> | null;
  onMetadataUpdate(delta: MetadataDelta, image: MetadataImage): void;
}

export class MetadataLoader {
  private current: MetadataImage = MetadataImage.EMPTY;
  private readonly publishers: MetadataPublisher[] = [];
  private waiters: { offset: number; resolve: () => void }[] = [];
  /** Batches committed while an update waits for its publishers to prepare, in order. */
  private queued: CommittedBatch[] = [];
  private preparing = false;
  private conditions: { holds: (image: MetadataImage) => boolean; resolve: () => void }[] = [];

  constructor(private readonly log: Logger | null = null) {}

  /** The latest image. */
  get image(): MetadataImage {
    return this.current;
  }

  /** Applies what the store held at start, as one delta; publishers are installed afterwards. */
  catchUp(batches: readonly CommittedBatch[]): void {
    if (batches.length === 0) return;
    const delta = new MetadataDelta(this.current);
    for (const b of batches) replayBatch(delta, b);
    this.current = delta.apply();
    this.resolveWaiters();
  }

  /** A newly committed batch (the store's `onCommitted`). */
  handleCommitted(batch: CommittedBatch): void {
    this.queued.push(batch);
    if (!this.preparing) this.applyQueued();
  }

  /** Applies the queued batches in order, until one must wait for its publishers to prepare. */
  private applyQueued(): void {
    // `preparing` is checked each time: a publisher may commit while it is
    // told (the store hands the batch over at once), applying it in a nested call.
    while (this.queued.length > 0 && !this.preparing) {
      const batch = this.queued.shift() as CommittedBatch;
      if (batch.lastOffset <= this.current.offset) continue; // already applied
      const delta = new MetadataDelta(this.current);
      replayBatch(delta, batch);
      const image = delta.apply();
      const preparations = this.prepare(delta, image);
      if (preparations.length === 0) {
        this.apply(delta, image);
        continue;
      }
      this.preparing = true;
      void Promise.all(preparations).then(() => {
        this.preparing = false;
        this.apply(delta, image);
        this.applyQueued();
      });
      return;
    }
  }

  /** What the publishers must finish before they are told of this update; each settles, never rejects. */
  private prepare(delta: MetadataDelta, image: MetadataImage): Promise<void>[] {
    const waits: Promise<void>[] = [];
    for (const p of this.publishers) {
      let wait: Promise<void> | null | undefined;
      try {
        wait = p.prepare?.(delta, image);
      } catch (err) {
        this.log?.error({ err, publisher: p.name, offset: image.offset }, 'metadata publisher failed to prepare');
      }
      if (wait) waits.push(wait.catch((err: unknown) => this.log?.error({ err, publisher: p.name, offset: image.offset }, 'metadata publisher failed to prepare')));
    }
    return waits;
  }

  private apply(delta: MetadataDelta, image: MetadataImage): void {
    this.current = image;
    for (const p of this.publishers) this.publish(p, delta, image);
    this.resolveWaiters();
  }

  /** Adds a publisher and gives it the current image (as a delta from nothing). */
  install(publisher: MetadataPublisher): void {
    this.publishers.push(publisher);
    this.publish(publisher, MetadataDelta.fromEmpty(this.current), this.current);
  }

  /** Resolves once the image includes the record at `offset`. */
  whenApplied(offset: number): Promise<void> {
    if (offset <= this.current.offset) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ offset, resolve }));
  }

  /**
   * Resolves once an image satisfies `holds` (at once if the current one
   * does): for a broker waiting on a change another broker committed (its
   * offset unknown here).
   */
  whenImage(holds: (image: MetadataImage) => boolean): Promise<void> {
    if (holds(this.current)) return Promise.resolve();
    return new Promise((resolve) => this.conditions.push({ holds, resolve }));
  }

  private publish(p: MetadataPublisher, delta: MetadataDelta, image: MetadataImage): void {
    try {
      p.onMetadataUpdate(delta, image);
    } catch (err) {
      this.log?.error({ err, publisher: p.name, offset: image.offset }, 'metadata publisher failed');
    }
  }

  private resolveWaiters(): void {
    if (this.conditions.length > 0) {
      const met = this.conditions.filter((c) => c.holds(this.current));
      this.conditions = this.conditions.filter((c) => !met.includes(c));
      for (const c of met) c.resolve();
    }
    if (this.waiters.length === 0) return;
    const offset = this.current.offset;
    const due = this.waiters.filter((w) => w.offset <= offset);
    this.waiters = this.waiters.filter((w) => w.offset > offset);
    for (const w of due) w.resolve();
  }
}

function replayBatch(delta: MetadataDelta, batch: CommittedBatch): void {
  const first = batch.lastOffset - batch.records.length + 1;
  if (batch.snapshot) delta.replaySnapshot(batch.records, first);
  else batch.records.forEach((r, i) => delta.replay(r, first + i));
}
