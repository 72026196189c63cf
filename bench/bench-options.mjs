// @ts-check
/** Command-line options of the bench scripts: `--name value`. */

/**
 * The value after `--name` on the command line, or `fallback`.
 * @param {string} name
 * @param {string | undefined} fallback
 */
export function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1];
  return fallback;
}
