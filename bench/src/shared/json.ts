/** Narrowing helpers for JSON read from the network (no casts to trust it). */
export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` when `value` is an object, else undefined. */
export function field(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

/** Follows `keys` through nested objects. */
export function at(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((current, key) => field(current, key), value);
}
