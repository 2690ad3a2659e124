/**
 * Posture items in the incident table (same table, string keys `pk`/`sk`, TTL attribute `ttl`; see
 * record/keys.ts for the incident items). Reads are GetItem or a Query on one partition, never a Scan.
 *
 * | item             | pk                               | sk                                  |
 * |------------------|----------------------------------|-------------------------------------|
 * | posture key      | `POSTURE#<function>`             | `KEY`                               |
 * | code baseline    | `POSTURE#<function>#<version>`   | `BASE#<root>#<chunk, 4 digits>`     |
 * | posture record   | `POSTURE#<function>#<version>`   | `REC#<ISO time>#<environment id>`   |
 */
export function postureKeyItem(functionName: string): { pk: string; sk: string } {
  return { pk: `POSTURE#${functionName}`, sk: 'KEY' };
}

export function posturePk(functionName: string, version: string): string {
  return `POSTURE#${functionName}#${version}`;
}

export function baselineSkPrefix(root: string): string {
  return `BASE#${root}#`;
}

export function baselineSk(root: string, chunk: number): string {
  return `${baselineSkPrefix(root)}${String(chunk).padStart(4, '0')}`;
}

export function postureRecordSk(iso: string, environmentId: string): string {
  return `REC#${iso}#${environmentId}`;
}
