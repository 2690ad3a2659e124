import { decodeQueryForm } from './query-form';

test('decodes an SNS Publish form into the SDK input shape', () => {
  const body = new URLSearchParams({
    Action: 'Publish',
    Version: '2010-03-31',
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
    Message: 'a=b&c',
    'MessageAttributes.entry.1.Name': 'severity',
    'MessageAttributes.entry.1.Value.DataType': 'String',
    'MessageAttributes.entry.1.Value.StringValue': 'high',
    'MessageAttributes.entry.2.Name': 'score',
    'MessageAttributes.entry.2.Value.DataType': 'Number',
    'MessageAttributes.entry.2.Value.StringValue': '9',
    'Tags.member.2.Key': 'b',
    'Tags.member.1.Key': 'a',
  }).toString();
  expect(decodeQueryForm(body)).toEqual({
    Action: 'Publish',
    Version: '2010-03-31',
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
    Message: 'a=b&c',
    MessageAttributes: {
      severity: { DataType: 'String', StringValue: 'high' },
      score: { DataType: 'Number', StringValue: '9' },
    },
    Tags: [{ Key: 'a' }, { Key: 'b' }],
  });
});
