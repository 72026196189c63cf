/** Broker and topic configuration with Kafka's names, defaults and rules. */
export * from './config-def';
export * from './config-error';
export * from './config-source';
export * from './config-value';
export * from './validators';
export * from './topic-configs';
export * from './broker-configs';
export * from './properties-file';
export * from './nearest-key';
export * from './broker-config';
export * from './topic-config';
export * from './describe-configs';
export * from './alter-configs';
export * from './dynamic-broker-configs';
export * from './kafka-versions';
export * from './client-metrics-configs';
export * from './per-ip-overrides';
