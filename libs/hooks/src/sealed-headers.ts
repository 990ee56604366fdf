/**
 * A webhook's header values are sealed apart from its config (`hooks.headers_sealed`: a JSON
 * object of names and values), and the config holds `***` in their place. The API (which seals
 * and keeps them) and the worker (which sends them) read them the same way, here.
 */
export const SEALED_HEADER_VALUE = '***';

/** The opened values; refuses what is not a JSON object without quoting it (JSON.parse's message quotes its input: the values). */
export function parseSealedHeaders(plain: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(plain);
  } catch {
    throw new Error('the sealed header values are not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the sealed header values are not a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * `headers` with each `***` replaced by its sealed value, names compared as HTTP compares them
 * (an older release kept a *** under a name spelled in another case). A `***` with no value
 * behind it is left out: the caller decides what a missing one means.
 */
export function withSealedValues(headers: Record<string, unknown>, opened: Record<string, unknown>): Record<string, unknown> {
  const byName = new Map(Object.entries(opened).map(([name, value]) => [name.toLowerCase(), value]));
  return Object.fromEntries(
    Object.entries(headers)
      .map(([name, value]) => [name, value === SEALED_HEADER_VALUE ? byName.get(name.toLowerCase()) : value])
      .filter(([, value]) => value !== undefined),
  );
}
