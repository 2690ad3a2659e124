// Settings endpoint (Function URL, ESM): everything comes from process.env configuration, including the app's
// own APP_* variables discovered by enumerating the environment.
const flags = JSON.parse(process.env.FEATURE_FLAGS || '{}');

export const handler = async (event) => {
  const app = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('APP_')).map((k) => [k, process.env[k]]));
  const settings = {
    table: process.env.TABLE_NAME,
    region: process.env.AWS_REGION,
    logLevel: process.env.LOG_LEVEL || 'info',
    memory: Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE),
    fn: process.env.AWS_LAMBDA_FUNCTION_NAME,
    flags,
    app,
    path: event.rawPath,
  };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings) };
};
