/**
 * The broker's periodic tasks, each on its own Kafka interval (Kafka's
 * LogManager and ReplicaManager schedule the same ones):
 * - log.retention.check.interval.ms: retention, flush.ms;
 * - log.flush.offset.checkpoint.interval.ms: recovery-point-offset-checkpoint;
 * - log.flush.start.offset.checkpoint.interval.ms: log-start-offset-checkpoint;
 * - replica.high.watermark.checkpoint.interval.ms: replication-offset-checkpoint;
 * - producer.id.expiration.check.interval.ms: idle producers forgotten.
 * An interval of 0 means the task only runs at shutdown (the checkpoints)
 * or not at all. A failing run is logged; the next one still comes.
 */
import type { Logger } from '../logger';
import type { ReplicaManager } from '../cluster/replica-manager';
import type { BrokerConfig, BrokerNumberName } from '../config';
import type { LogManager } from '../storage/log-manager';

/** Node's largest setInterval period. */
const MAX_INTERVAL_MS = 2 ** 31 - 1;

export class Housekeeping {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly config: BrokerConfig,
    private readonly log: Logger,
  ) {}

  static start(config: BrokerConfig, logs: LogManager, replicas: ReplicaManager, now: () => number, log: Logger): Housekeeping {
    const h = new Housekeeping(config, log);
    h.every('log retention and flush', 'log.retention.check.interval.ms', () => logs.applyRetentionAndFlush(now()));
    // The checkpoints are fsynced off the event loop: requests never wait for them.
    // A failed background write is reported by the next run of either task.
    const reportCheckpointError = () => {
      const err = logs.lastCheckpointError;
      if (err) {
        logs.lastCheckpointError = null;
        throw err;
      }
    };
    h.every('recovery point checkpoint', 'log.flush.offset.checkpoint.interval.ms', () => {
      reportCheckpointError();
      logs.writeRecoveryPointCheckpointInBackground();
    });
    h.every('log start offset checkpoint', 'log.flush.start.offset.checkpoint.interval.ms', () => {
      reportCheckpointError();
      logs.writeLogStartOffsetCheckpointInBackground();
    });
    h.every('high watermark checkpoint', 'replica.high.watermark.checkpoint.interval.ms', () => replicas.checkpointHighWatermarksAsync());
    h.every('producer id expiration', 'producer.id.expiration.check.interval.ms', () => logs.removeExpiredProducers(now()));
    return h;
  }

  private every(task: string, intervalName: BrokerNumberName, run: () => unknown): void {
    const interval = this.config.number(intervalName);
    if (interval <= 0) return;
    const failed = (err: unknown) => this.log.error({ err, task }, 'housekeeping task failed');
    const timer = setInterval(() => {
      try {
        const result = run();
        if (result instanceof Promise) result.catch(failed);
      } catch (err) {
        failed(err);
      }
    }, Math.min(interval, MAX_INTERVAL_MS));
    timer.unref();
    this.timers.push(timer);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }
}
