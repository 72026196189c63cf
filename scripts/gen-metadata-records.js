#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Generates src/cluster/metadata/records/ from Kafka's KRaft metadata record
 * schemas (metadata/src/main/resources/common/metadata/*.json), read straight
 * out of an Apache Kafka git repository at a tag. Only the facts (names,
 * types, versions, tags, defaults) reach the generated code; the schema
 * files themselves are never copied into this repository.
 *
 *   node scripts/gen-metadata-records.js [--repo <kafka git dir>] [--ref <tag>] [--check]
 *
 * --repo defaults to $KAFKA_REPO, else /work/.mirror/apache+kafka/repo (a
 * bare clone); --ref to 3.9.0-rc3. --check compares with what is committed
 * instead of writing, and exits 1 on a difference.
 *
 * The codecs are the same generator's as the protocol messages'
 * (scripts/gen-protocol.js): a record is encoded exactly as Kafka encodes
 * the message, so Kafka's own tools can read Weir's metadata log.
 */
const path = require('node:path');
const { generateRecordModules, runRecordGenerator } = require('./schema-record-modules');

const OUT_DIR = path.resolve(__dirname, '../src/cluster/metadata/records');

/** The records Weir writes and applies. */
const RECORDS = [
  'RegisterBrokerRecord',
  'TopicRecord',
  'PartitionRecord',
  'ConfigRecord',
  'PartitionChangeRecord',
  'RemoveTopicRecord',
  'FeatureLevelRecord',
  'ProducerIdsRecord',
  'UserScramCredentialRecord',
  'RemoveUserScramCredentialRecord',
  'ClientQuotaRecord',
  'AccessControlEntryRecord',
  'RemoveAccessControlEntryRecord',
];

/** @returns {Map<string, string>} file name -> contents */
function generateAll(repo, ref) {
  return generateRecordModules({
    repo,
    ref,
    schemaPath: 'metadata/src/main/resources/common/metadata',
    names: RECORDS,
    what: 'KRaft metadata record schemas',
    script: 'scripts/gen-metadata-records.js',
    codecSupport: '../../../protocol/primitives/codec-support',
  });
}

module.exports = { generateAll, OUT_DIR, RECORDS };

if (require.main === module) runRecordGenerator(process.argv.slice(2), generateAll, OUT_DIR, 'metadata record codecs', 'scripts/gen-metadata-records.js');
