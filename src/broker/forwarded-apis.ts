/**
 * The client requests a broker of a cluster that is not the controller
 * forwards to it in an Envelope (controller-channel.ts): Kafka's forwardable
 * admin APIs that Weir serves. A module of its own so the handler table can
 * name them without loading the controller channel (a single broker never
 * does).
 */
import { Apis } from '../protocol/apis';

export const FORWARDED_TO_CONTROLLER: ReadonlySet<number> = new Set([
  Apis.CreateTopics.apiKey,
  Apis.DeleteTopics.apiKey,
  Apis.CreatePartitions.apiKey,
  Apis.AlterConfigs.apiKey,
  Apis.IncrementalAlterConfigs.apiKey,
  Apis.AlterClientQuotas.apiKey,
  Apis.AlterUserScramCredentials.apiKey,
  Apis.CreateAcls.apiKey,
  Apis.DeleteAcls.apiKey,
  Apis.ElectLeaders.apiKey,
]);
