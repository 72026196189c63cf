#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Generates src/coordinator/group/records/ from the group coordinator's
 * `__consumer_offsets` record schemas of Apache Kafka
 * (group-coordinator/src/main/resources/common/message/*.json):
 *
 *   node scripts/gen-group-records.js [--repo <kafka git dir>] [--ref <tag>] [--check]
 *
 * These are the KIP-848 consumer group records (key versions 3 to 8). The
 * classic records (offset commits, group metadata) have hand-written codecs
 * in offsets-topic-records.ts, which predate this generator.
 */
const path = require('node:path');
const { generateRecordModules, runRecordGenerator } = require('./schema-record-modules');

const OUT_DIR = path.resolve(__dirname, '../src/coordinator/group/records');

const RECORDS = [
  'ConsumerGroupMetadata',
  'ConsumerGroupPartitionMetadata',
  'ConsumerGroupMemberMetadata',
  'ConsumerGroupTargetAssignmentMetadata',
  'ConsumerGroupTargetAssignmentMember',
  'ConsumerGroupCurrentMemberAssignment',
].flatMap((name) => [`${name}Key`, `${name}Value`]);

/** @returns {Map<string, string>} file name -> contents */
function generateAll(repo, ref) {
  return generateRecordModules({
    repo,
    ref,
    schemaPath: 'group-coordinator/src/main/resources/common/message',
    names: RECORDS,
    what: 'group coordinator record schemas',
    script: 'scripts/gen-group-records.js',
    codecSupport: '../../../protocol/primitives/codec-support',
  });
}

module.exports = { generateAll, OUT_DIR, RECORDS };

if (require.main === module) runRecordGenerator(process.argv.slice(2), generateAll, OUT_DIR, 'group record codecs', 'scripts/gen-group-records.js');
