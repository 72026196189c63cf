// @ts-check
'use strict';
/**
 * Runs scripts/record-golden.ts without a separate build: `.ts` files are
 * compiled as they are required by @swc/core, the compiler jest already uses,
 * so the recorder can import `integration/support/` and `src/` directly.
 *
 *   npm run build && node scripts/record-golden.js [kafkajs|platformatic|rdkafka|kcat ...]
 *
 * Typecheck the recorder with:
 *   npx tsc --noEmit --strict --noUncheckedIndexedAccess --module commonjs --moduleResolution node \
 *     --target es2022 --esModuleInterop --skipLibCheck --types node scripts/record-golden.ts
 */
const fs = require('node:fs');
const swc = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs', ignoreDynamic: true },
  });
  /** @type {{ _compile(code: string, filename: string): void }} */ (/** @type {unknown} */ (module))._compile(code, filename);
};

require('./record-golden.ts');
