// Mailer on SNS (ESM): the mail template is compiled with `new Function` at init; rendered mail goes to the
// mail API (allowed host) with fetch.
const TEMPLATE = 'Hello ${name},\nyour order ${order} has shipped.\n';
const render = new Function('v', `return \`${TEMPLATE.replace(/\$\{(\w+)\}/g, '${v.$1}')}\`;`);

export const handler = async (event) => {
  const msg = JSON.parse(event.Records[0].Sns.Message);
  const text = render(msg);
  const res = await fetch(`${process.env.MAIL_API}/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: msg.email, text }),
  });
  return { status: res.status, length: text.length };
};
