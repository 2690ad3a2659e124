// Profile import behind API Gateway (REST, v1): POST {profile: "<serialized>"} with a node-serialize style
// format: values starting with `_$$ND_FUNC$$_` are revived with eval. Vulnerable: insecure deserialization (T3),
// from which attacker code runs processes, talks to the Runtime API (T7) or swaps the exported handler (T7).
const FUNC = '_$$ND_FUNC$$_';

function unserialize(text) {
  const obj = JSON.parse(text);
  for (const [k, v] of Object.entries(obj)) {
    // biome-ignore lint/security/noGlobalEval: the vulnerability under test (node-serialize's revival)
    if (typeof v === 'string' && v.startsWith(FUNC)) obj[k] = eval(`(${v.slice(FUNC.length)})`);
  }
  return obj;
}

exports.handler = async (event) => {
  try {
    const body = JSON.parse(event.body || '{}');
    const profile = unserialize(body.profile || '{}');
    return { statusCode: 200, body: JSON.stringify({ keys: Object.keys(profile) }) };
  } catch (e) {
    return { statusCode: 400, body: JSON.stringify({ error: e.message, code: e.code }) };
  }
};
