// Runs fauxqs (SNS/SQS emulator, ESM only) in a worker thread: jest's module sandbox cannot load ESM without
// --experimental-vm-modules, and a worker runs plain Node. We build the app ourselves (instead of startFauxqs) to
// bind 127.0.0.1 rather than 0.0.0.0, and give it our own stores so that queue URLs use the request's Host header
// (the SQS front's origin) instead of `sqs.<region>.localhost`.
//
// workerData: { distDir, region }. Messages: in  { id, op: 'createTopicWithQueue', topicName, queueName, sqsOrigin }
//                                           out { ready: true, port } | { id, result } | { id, error }
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { distDir, region } = workerData;
const load = (file) => import(pathToFileURL(join(distDir, file)).href);

const [{ buildApp }, { SqsStore }, { SnsStore }, { S3Store }, { sqsQueueArn, snsTopicArn }] = await Promise.all([
  load('app.js'),
  load('sqs/sqsStore.js'),
  load('sns/snsStore.js'),
  load('s3/s3Store.js'),
  load('common/arnHelper.js'),
]);

// fauxqs writes `"Subject": null` and `"MessageAttributes": {}` into every SNS envelope and a us-east-1 signing URL;
// SNS omits the two absent fields and signs in the topic's region. Envelopes are normalised as they are enqueued
// (before the MD5 of the body is taken, so ReceiveMessage's checksum still matches).
const createMessage = SqsStore.createMessage;
SqsStore.createMessage = (body, ...rest) => createMessage(normaliseSnsEnvelope(body), ...rest);

function normaliseSnsEnvelope(body) {
  if (typeof body !== 'string' || !body.startsWith('{"Type":"Notification"')) return body;
  try {
    const envelope = JSON.parse(body);
    if (envelope.SignatureVersion === undefined || envelope.UnsubscribeURL === undefined) return body;
    if (envelope.Subject === null) delete envelope.Subject;
    if (envelope.MessageAttributes && Object.keys(envelope.MessageAttributes).length === 0)
      delete envelope.MessageAttributes;
    const topicRegion = String(envelope.TopicArn ?? '').split(':')[3] || region;
    for (const key of ['SigningCertURL', 'UnsubscribeURL']) {
      envelope[key] = String(envelope[key]).replace(
        'https://sns.us-east-1.amazonaws.com/',
        `https://sns.${topicRegion}.amazonaws.com/`,
      );
    }
    return JSON.stringify(envelope);
  } catch {
    return body;
  }
}

const sqsStore = new SqsStore();
sqsStore.host = ''; // falsy: queue URLs take the Host header of the CreateQueue request
sqsStore.region = region;
const snsStore = new SnsStore();
snsStore.region = region;
const app = buildApp({ logger: false, defaultRegion: region, stores: { sqsStore, snsStore, s3Store: new S3Store() } });
await app.listen({ port: 0, host: '127.0.0.1' });

function createTopicWithQueue({ topicName, queueName, sqsOrigin }) {
  const queueArn = sqsQueueArn(queueName, region);
  const queue =
    sqsStore.getQueueByArn(queueArn) ??
    sqsStore.createQueue(queueName, `${sqsOrigin}/000000000000/${queueName}`, queueArn, {}, {});
  const topic = snsStore.createTopic(topicName, undefined, undefined, region);
  snsStore.subscribe(topic.arn, 'sqs', queueArn, undefined); // raw delivery off: the queue gets the SNS envelope
  return { topicArn: snsTopicArn(topicName, region), queueUrl: queue.url };
}

parentPort.on('message', (msg) => {
  try {
    if (msg.op !== 'createTopicWithQueue') throw new Error(`unknown op ${msg.op}`);
    parentPort.postMessage({ id: msg.id, result: createTopicWithQueue(msg) });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: String(err?.stack ?? err) });
  }
});
parentPort.postMessage({ ready: true, port: app.server.address().port });
