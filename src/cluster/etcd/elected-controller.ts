/**
 * What the elected controller does on its own, besides answering requests:
 * - once per cluster, the bootstrap of the metadata log (the finalized
 *   features, `cluster/features.ts`), and the features a log written by an
 *   earlier Weir lacks;
 * - on election and on every change of the registry of live brokers, the
 *   brokers' registrations and the partitions' leaders in the image
 *   (Controller.reconcileBrokers): a broker that came is registered, one
 *   that went is fenced and its partitions lose it as leader; one whose
 *   registration wants to shut down is put in controlled shutdown (its
 *   partitions get other leaders and ISRs without it).
 * Runs are serialized; a change during a run makes one more run after it.
 * A run that fails (etcd unreachable, deposed meanwhile) is logged and
 * retried at the next change, or after a short delay while still elected.
 */
import type { Logger } from '../../logger';
import type { Controller, LiveBrokerRegistration } from '../controller';
import type { BrokerRegistry } from './broker-registry';
import type { LiveBroker } from './broker-registration';

const RETRY_MS = 500;

export class ElectedControllerDuties {
  private running = false;
  private again = false;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly controller: Controller,
    private readonly registry: BrokerRegistry,
    private readonly isController: () => boolean,
    private readonly log: Logger,
  ) {
    registry.onChange(() => this.run());
  }

  /** Does the duties now (on election; on registry changes it runs by itself). */
  run(): void {
    if (this.stopped || !this.isController()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.once().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.run();
      }
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
  }

  private async once(): Promise<void> {
    try {
      if (await this.controller.bootstrap()) this.log.info('bootstrapped the cluster metadata (finalized features)');
      const finalized = await this.controller.finalizeMissingFeatures();
      if (finalized.length > 0) this.log.info({ features: finalized }, 'finalized the features this metadata log did not have yet');
      const written = await this.controller.reconcileBrokers(liveRegistrations(this.registry.brokers));
      if (written > 0) this.log.info({ live: [...this.registry.brokers.keys()], records: written }, 'brokers and partition leaders updated from the live brokers');
    } catch (err) {
      if (!this.isController() || this.stopped) return;
      this.log.warn({ err }, 'controller duties failed; retrying');
      this.retry ??= setTimeout(() => {
        this.retry = null;
        this.run();
      }, RETRY_MS);
    }
  }
}

function liveRegistrations(brokers: ReadonlyMap<number, LiveBroker>): Map<number, LiveBrokerRegistration> {
  const out = new Map<number, LiveBrokerRegistration>();
  for (const b of brokers.values()) {
    out.set(b.id, { brokerId: b.id, incarnationId: b.incarnationId, endpoints: b.endpoints, rack: b.rack, epoch: b.epoch, wantShutDown: b.wantShutDown });
  }
  return out;
}
