// The tamper suite's function (handler `index.handler`): user code that tries to get around Sentinel. The event
// names the case (`case`) and the step of a multi-step case (`step`). See test/tamper/README.md.

const cases = {
  ...require('./restore'),
  ...require('./bindings'),
  ...require('./runtime'),
  ...require('./channel'),
};

exports.handler = async (event, context) => {
  const fn = cases[event.case];
  if (!fn) return { error: `unknown case ${event.case}` };
  return fn(event, context, { exportsObj: module.exports });
};
