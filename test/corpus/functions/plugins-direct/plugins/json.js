exports.name = 'json';
