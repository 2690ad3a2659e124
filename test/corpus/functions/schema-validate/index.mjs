// Request validation (API Gateway HTTP, ESM), ajv-style: schemas are compiled to JavaScript with `new Function`
// once at init; each request is validated by the compiled code.
const schemas = {
  order: { required: ['sku', 'qty'], properties: { sku: 'string', qty: 'number', note: 'string' } },
  user: { required: ['email'], properties: { email: 'string', age: 'number' } },
};

function compile(schema) {
  const lines = ['const errors = [];'];
  for (const key of schema.required) lines.push(`if (data[${JSON.stringify(key)}] === undefined) errors.push(${JSON.stringify(`missing ${key}`)});`);
  for (const [key, type] of Object.entries(schema.properties))
    lines.push(
      `if (data[${JSON.stringify(key)}] !== undefined && typeof data[${JSON.stringify(key)}] !== ${JSON.stringify(type)}) errors.push(${JSON.stringify(`${key} must be ${type}`)});`,
    );
  lines.push('return errors;');
  return new Function('data', lines.join('\n'));
}

const validators = Object.fromEntries(Object.entries(schemas).map(([k, s]) => [k, compile(s)]));

export const handler = async (event) => {
  const kind = event.rawPath.split('/').pop();
  const data = JSON.parse(event.body || '{}');
  const errors = validators[kind] ? validators[kind](data) : [`unknown schema ${kind}`];
  return { statusCode: errors.length ? 400 : 200, body: JSON.stringify({ valid: errors.length === 0, errors }) };
};
