// Injected preload (T11): runs in every process started with this NODE_OPTIONS, before the handler.
require('node:fs').writeFileSync(`${require('node:os').tmpdir()}/m-preload`, 'x');
