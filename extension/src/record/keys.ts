/**
 * Key design of the incident table (one table, string keys `pk` + `sk`, TTL attribute `ttl` in epoch seconds).
 * Every read is a Query on one partition; nothing needs a Scan.
 *
 * | item               | pk                                  | sk                              | attributes                          |
 * |--------------------|-------------------------------------|---------------------------------|-------------------------------------|
 * | incident           | `FN#<function>`                     | `INC#<created ISO time>#<id>`   | type=incident, id, rule, severity … |
 * | audit (release …)  | `FN#<function>`                     | `INC#<ISO time>#<id>`           | type=audit, action, actor …         |
 * | fleet counter      | `CNT#<function>#<rule>`             | `B#<width s>#<bucket start s, 10 digits>` | n (ADD), ttl              |
 *
 * "Incidents of function F since T" = Query pk = `FN#F` AND sk >= `INC#<T ISO>` (ISO-8601 UTC sorts by time).
 * "Fleet count of rule R in the last W s" = UpdateItem ADD n on the current bucket, then Query pk = `CNT#F#R`
 * AND sk BETWEEN the first and the current bucket of the window. The bucket width is part of the sort key so a
 * rule whose window changes never mixes widths. Items carry `ttl`; DynamoDB deletes expired items lazily, so
 * reads also filter `ttl > now`.
 */
export const TTL_ATTRIBUTE = 'ttl';

export function incidentPk(functionName: string): string {
  return `FN#${functionName}`;
}

export function incidentSk(createdIso: string, id: string): string {
  return `INC#${createdIso}#${id}`;
}

/** Lower bound of the sort key for "since T". */
export function incidentSkSince(sinceIso: string): string {
  return `INC#${sinceIso}`;
}

export function counterPk(functionName: string, ruleId: string): string {
  return `CNT#${functionName}#${ruleId}`;
}

export function bucketStart(atMs: number, bucketSeconds: number): number {
  return Math.floor(atMs / 1000 / bucketSeconds) * bucketSeconds;
}

export function counterSk(bucketSeconds: number, bucketStartS: number): string {
  return `B#${bucketSeconds}#${String(bucketStartS).padStart(10, '0')}`;
}

export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
