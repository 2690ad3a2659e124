exports.name = 'csv';
