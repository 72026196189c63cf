/**
 * `auto.leader.rebalance.enable` (default true): every
 * `leader.imbalance.check.interval.seconds` (default 300) the elected
 * controller checks each broker's leader imbalance, the share of the
 * partitions whose preferred replica it is that another broker leads, and
 * where it is above `leader.imbalance.per.broker.percentage` (default 10)
 * moves those partitions' leadership back to their preferred replicas
 * (leader-election-control.ts has the rules). After a broker restarts, its
 * partitions are led by the others until this runs (or an operator's
 * ElectLeaders): that is how Kafka behaves too.
 *
 * Only the controller acts; every broker runs the timer, since any may be
 * elected. A failed check (deposed meanwhile, etcd unreachable) is logged
 * and the next one comes at the next interval.
 */
import type { BrokerConfig } from '../config';
import type { Logger } from '../logger';
import type { ScheduledTimer, Scheduler } from '../time/scheduler';
import type { Controller } from './controller';

export interface AutoLeaderRebalanceOptions {
  controller: Pick<Controller, 'rebalanceLeaders'>;
  isController: () => boolean;
  config: BrokerConfig;
  scheduler: Scheduler;
  log: Logger | null;
}

export class AutoLeaderRebalance {
  private timer: ScheduledTimer | null = null;
  private stopped = false;

  private constructor(private readonly o: AutoLeaderRebalanceOptions) {}

  /** Starts the periodic check; null when `auto.leader.rebalance.enable` is false. */
  static start(o: AutoLeaderRebalanceOptions): AutoLeaderRebalance | null {
    if (!o.config.boolean('auto.leader.rebalance.enable')) return null;
    const r = new AutoLeaderRebalance(o);
    r.schedule();
    return r;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  /** One check now (the timer's task). Resolves with how many leaders moved. */
  async check(): Promise<number> {
    if (this.stopped || !this.o.isController()) return 0;
    try {
      const moved = await this.o.controller.rebalanceLeaders(this.o.config.number('leader.imbalance.per.broker.percentage'));
      if (moved > 0) this.o.log?.info({ partitions: moved }, 'moved partition leadership back to the preferred replicas (auto.leader.rebalance.enable)');
      return moved;
    } catch (err) {
      if (!this.stopped && this.o.isController()) this.o.log?.warn({ err }, 'the leader imbalance check failed; next one at the next interval');
      return 0;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    const intervalMs = this.o.config.number('leader.imbalance.check.interval.seconds') * 1000;
    this.timer = this.o.scheduler.schedule(intervalMs, () => {
      void this.check().finally(() => this.schedule());
    });
  }
}
