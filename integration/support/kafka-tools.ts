/**
 * Apache Kafka's own command-line tools (a Kafka distribution with its jars
 * and a JVM), for tests that ask Kafka itself to judge what Weir wrote.
 *
 * Nothing here builds or downloads Kafka. The distribution is found at
 * `$KAFKA_HOME`, else at `/tmp/kpeer/kafka_2.11-2.4.1`, where
 * `../shared/kafka-peer/build.sh` puts the peer broker's build. Without one,
 * `findKafkaTools` says why, and the tests that need it register a visible
 * "NOT RUN:" line instead (see scripts/summary-reporter.js).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PEER_BUILD = '/tmp/kpeer/kafka_2.11-2.4.1';

export type KafkaTools = { found: true; home: string; version: string } | { found: false; reason: string };

export function findKafkaTools(): KafkaTools {
  const home = process.env.KAFKA_HOME || PEER_BUILD;
  const runClass = path.join(home, 'bin', 'kafka-run-class.sh');
  if (!fs.existsSync(runClass)) {
    return { found: false, reason: `no Kafka distribution at ${home} (set KAFKA_HOME, or build the peer with ../shared/kafka-peer)` };
  }
  const jar = fs.existsSync(path.join(home, 'libs')) ? fs.readdirSync(path.join(home, 'libs')).find((f) => /^kafka_[\d.]+-[\d.]+\.jar$/.test(f)) : undefined;
  if (!jar) return { found: false, reason: `${home}/libs holds no kafka_<scala>-<version>.jar (an unfinished build?)` };
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const probe = spawnSync(java, ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) return { found: false, reason: `no JVM (${java} -version failed)` };
  return { found: true, home, version: jar.replace(/^kafka_/, '').replace(/\.jar$/, '') };
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `kafka-run-class.sh <mainClass> <args>` from the distribution at `home`. */
export function runKafkaClass(home: string, mainClass: string, args: readonly string[], timeoutMs = 120_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(home, 'bin', 'kafka-run-class.sh'), [mainClass, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // A small heap: the tools read one file at a time.
      env: { ...process.env, KAFKA_HEAP_OPTS: '-Xmx256m', KAFKA_JMX_OPTS: ' ', JMX_PORT: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One "Dumping <file>" section of DumpLogSegments' standard output. */
export interface DumpSection {
  file: string;
  lines: string[];
}

/** Splits DumpLogSegments' output into its per-file sections. */
export function dumpSections(stdout: string): DumpSection[] {
  const sections: DumpSection[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^Dumping (.+)$/.exec(line);
    if (m) sections.push({ file: m[1] as string, lines: [] });
    else if (line !== '') sections[sections.length - 1]?.lines.push(line);
  }
  return sections;
}

/**
 * A Java program of integration/java/ run in source-file mode against the
 * distribution's jars (`jars`: the file names wanted from its libs/). The
 * program prints one JSON object per line for each step it finished
 * ({"step": name, ...}); they come back by name, with its whole output.
 */
export function runJavaProgram<Steps extends object>(
  home: string,
  program: string,
  jars: readonly RegExp[],
  args: readonly string[],
  timeoutMs = 150_000,
): Promise<{ code: number | null; steps: Steps; output: string }> {
  const libs = path.join(home, 'libs');
  const files = fs.readdirSync(libs);
  const classPath = jars.map((re) => files.find((f) => re.test(f))).filter((f): f is string => f !== undefined).map((f) => path.join(libs, f));
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  return new Promise((resolve, reject) => {
    const child = spawn(java, ['-Xmx256m', '-cp', classPath.join(path.delimiter), program, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const steps = {} as Steps;
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      for (const line of output.split('\n')) {
        if (!line.startsWith('{"step"')) continue;
        const { step, ...rest } = JSON.parse(line) as { step: string };
        (steps as Record<string, unknown>)[step] = rest;
      }
      resolve({ code, steps, output });
    });
  });
}
