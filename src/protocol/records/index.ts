/** The record formats: RecordBatch v2, legacy message sets, codecs, conversions. */
export * from './batch-header';
export * from './crc';
export * from './compression';
export * from './record';
export * from './record-batch';
export * from './batch-iterator';
export * from './control-record';
export * from './message-set';
export * from './convert';
export * from './validate-produce';
