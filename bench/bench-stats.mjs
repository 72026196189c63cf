// @ts-check
/** Summaries the bench scripts print. */

/**
 * The median of the finite values (the lower of the two middle ones for an
 * even count), NaN when there are none.
 * @param {readonly number[]} xs
 */
export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? /** @type {number} */ (s[Math.floor((s.length - 1) / 2)]) : NaN;
}
