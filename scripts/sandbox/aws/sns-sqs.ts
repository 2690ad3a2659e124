/** fauxqs (SNS→SQS) in a worker thread; see fauxqs-worker.mjs for why it is a worker and how it is started. */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { findUp } from './locate';

const READY_TIMEOUT_MS = 15_000;

interface WorkerReply {
  ready?: boolean;
  port?: number;
  id?: number;
  result?: { topicArn: string; queueUrl: string };
  error?: string;
}

export class FauxqsBackend {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: { topicArn: string; queueUrl: string }) => void; reject: (e: Error) => void }
  >();

  private constructor(
    private readonly worker: Worker,
    readonly port: number,
  ) {
    worker.on('message', (msg: WorkerReply) => {
      if (msg.id === undefined) return;
      const waiter = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.result) waiter?.resolve(msg.result);
      else waiter?.reject(new Error(`fauxqs: ${msg.error ?? 'no result'}`));
    });
    worker.on('exit', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('fauxqs worker exited'));
      this.pending.clear();
    });
  }

  static start(region: string): Promise<FauxqsBackend> {
    const workerFile = findUp(join('scripts', 'sandbox', 'aws', 'fauxqs-worker.mjs'));
    const distDir = join(findUp(join('node_modules', 'fauxqs', 'package.json'), __dirname), '..', 'dist');
    const worker = new Worker(workerFile, { workerData: { distDir, region } });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('fauxqs worker did not start in time')), READY_TIMEOUT_MS);
      const fail = (err: Error) => {
        clearTimeout(timer);
        void worker.terminate();
        reject(err);
      };
      worker.once('error', fail);
      worker.once('exit', (code) => fail(new Error(`fauxqs worker exited with code ${code} before it was ready`)));
      worker.once('message', (msg: WorkerReply) => {
        clearTimeout(timer);
        worker.removeAllListeners('error');
        worker.removeAllListeners('exit');
        worker.on('error', (err) => process.stderr.write(`sandbox/aws: fauxqs worker error: ${err.stack ?? err}\n`));
        if (msg.ready && msg.port) resolve(new FauxqsBackend(worker, msg.port));
        else fail(new Error('fauxqs worker sent an unexpected first message'));
      });
    });
  }

  /** Creates (or reuses) the queue with a URL on `sqsOrigin`, the topic, and an SQS subscription without raw delivery. */
  createTopicWithQueue(
    topicName: string,
    queueName: string,
    sqsOrigin: string,
  ): Promise<{ topicArn: string; queueUrl: string }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op: 'createTopicWithQueue', topicName, queueName, sqsOrigin });
    });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
