// An ordinary handler; the attack is in the configuration (T11): NODE_OPTIONS was changed to preload a file.
exports.handler = async (event) => ({ ok: true, id: event.id });
