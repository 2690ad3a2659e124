import { slackText } from './aws';

describe('slackText', () => {
  it('collects the fallback and block texts once each, in order, decoding Slack escapes', () => {
    const msg = {
      text: 'HIGH in fn',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'HIGH in fn' } },
        { type: 'section', fields: [{ type: 'mrkdwn', text: '*Input*\n$.q&lt;form&gt;.name &amp; more' }] },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'incident i-1' }] },
      ],
    };
    expect(slackText(msg)).toBe('HIGH in fn\n*Input*\n$.q<form>.name & more\nincident i-1');
    expect(slackText('not a message')).toBe('');
  });
});
