// Fan-out worker (SQS, ESM), AWS SDK heavy: every message is forwarded to another queue and published to a topic.
import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});
const sns = new SNSClient({});

export const handler = async (event) => {
  let forwarded = 0;
  for (const record of event.Records) {
    const msg = JSON.parse(record.body);
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: JSON.stringify({ ...msg, hop: 1 }) }));
    await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC_ARN, Message: JSON.stringify(msg), Subject: msg.type }));
    forwarded++;
  }
  return { batchItemFailures: [], forwarded };
};
