// Expected replies written out as RESP, for byte-exact assertions (independent of the server's encoder).

export const bulk = (text: string): string => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
export const int = (n: number): string => `:${n}\r\n`;
export const arr = (...items: string[]): string => `*${items.length}\r\n${items.join('')}`;
export const push3 = (...items: string[]): string => `>${items.length}\r\n${items.join('')}`;
export const err = (text: string): string => `-${text}\r\n`;
export const status = (text: string): string => `+${text}\r\n`;

/** RESP2 flat field/value array. */
export function flat(fields: readonly (readonly [string, string])[]): string {
  return `*${fields.length * 2}\r\n${fields.map(([k, v]) => bulk(k) + bulk(v)).join('')}`;
}

/** RESP3 map of bulk strings. */
export function map3(fields: readonly (readonly [string, string])[]): string {
  return `%${fields.length}\r\n${fields.map(([k, v]) => bulk(k) + bulk(v)).join('')}`;
}
