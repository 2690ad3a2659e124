/**
 * Decodes an awsQuery form body (`Action=Publish&MessageAttributes.entry.1.Name=…`) into the nested input shape the
 * SDK started from, so recorded SNS calls read like their SDK input: `.member.N` lists become arrays and
 * `.entry.N.{Name,Value}` maps become objects.
 */

type Node = string | { [key: string]: Node } | Node[];

function setPath(root: Record<string, Node>, segments: string[], value: string): void {
  let node: Record<string, Node> = root;
  for (const [i, segment] of segments.entries()) {
    if (i === segments.length - 1) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, Node>;
  }
}

function normalize(node: Node): Node {
  if (typeof node === 'string' || Array.isArray(node)) return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => normalize(node[k] as Node));
  }
  const out: Record<string, Node> = {};
  for (const key of keys) out[key] = normalize(node[key] as Node);
  if (keys.length === 1 && keys[0] === 'member' && Array.isArray(out.member)) return out.member;
  if (keys.length === 1 && keys[0] === 'entry' && Array.isArray(out.entry)) {
    const map: Record<string, Node> = {};
    for (const entry of out.entry) {
      if (typeof entry !== 'object' || Array.isArray(entry)) continue;
      const name = entry.Name ?? entry.key;
      const value = entry.Value ?? entry.value;
      if (typeof name === 'string' && value !== undefined) map[name] = value;
    }
    return map;
  }
  return out;
}

export function decodeQueryForm(body: string): Record<string, unknown> {
  const root: Record<string, Node> = {};
  for (const [key, value] of new URLSearchParams(body)) setPath(root, key.split('.'), value);
  return normalize(root) as Record<string, unknown>;
}
