/** protobufjs decodes int64 fields as Long objects (or numbers when they fit); both as numbers. */
export type Int64 = number | { toNumber(): number };

export function toNumber(value: Int64): number {
  return typeof value === 'number' ? value : value.toNumber();
}
