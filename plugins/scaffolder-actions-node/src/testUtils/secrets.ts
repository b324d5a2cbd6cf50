/**
 * Throws when any of the secrets appears in the texts (strings, or values shown as JSON; maps and
 * errors included, with their message and stack).
 *
 * @public
 */
export function assertNoSecrets(
  secrets: readonly string[],
  ...texts: unknown[]
): void {
  const plain = (_key: string, v: unknown) => {
    if (v instanceof Map) return [...v.entries()];
    if (v instanceof Error) return { ...v, message: v.message, stack: v.stack };
    return v;
  };
  const all = texts
    .map(t => (typeof t === 'string' ? t : JSON.stringify(t, plain)))
    .join('\n');
  const found = secrets.filter(secret => secret && all.includes(secret));
  // name how many leaked, never which: the assertion message lands in CI logs
  if (found.length > 0)
    throw new Error(
      `${found.length} secret(s) appear in the output, logs or errors`,
    );
}
