// EventBridge rule evaluator: detail {field, threshold, order} compiles `order.<field> > threshold` with
// `new Function`; detail {expr, order} evaluates an expression in a vm context. Vulnerable: both compile event data
// as code (T3, including the classic vm escape through `this.constructor.constructor`).
import vm from 'node:vm';

export const handler = async (event) => {
  const d = event.detail;
  try {
    if (d.expr !== undefined) return { value: String(vm.runInNewContext(d.expr, { ...d.order })) };
    const rule = new Function('order', `return order.${d.field} > ${Number(d.threshold)}`);
    return { match: rule(d.order) };
  } catch (e) {
    return { error: e.message, code: e.code };
  }
};
