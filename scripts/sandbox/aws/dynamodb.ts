/**
 * DynamoDB: dynalite in-process on 127.0.0.1, plus the Time To Live operations dynalite lacks. dynalite answers
 * UpdateTimeToLive with UnknownOperationException and DescribeTimeToLive always with DISABLED; AWS's TTL setup is a
 * common first call of a table owner, so this layer answers both faithfully (status ENABLED at once rather than
 * ENABLING for up to an hour) and forwards everything else. Items are never expired (readers filter `ttl > now`,
 * as they must on AWS too, where deletion is lazy).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { type Backend, Forwarder } from './forward';
import { type BufferedRequest, bodyText, type HttpReply, header } from './http';

// dynalite ships no types; this is the part we use.
const dynalite = require('dynalite') as (opts: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

function dynamoError(status: number, type: string, message: string): HttpReply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify({ __type: type, message }),
  };
}

const ok = (value: unknown): HttpReply => ({
  status: 200,
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() },
  body: JSON.stringify(value),
});

const validation = (message: string) => dynamoError(400, 'com.amazon.coral.validate#ValidationException', message);

export class DynamoBackend {
  /** Table name → TTL attribute, for tables whose TTL is enabled. */
  private readonly ttl = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    private readonly forwarder: Forwarder,
  ) {}

  static async start(): Promise<DynamoBackend> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as { port: number };
    return new DynamoBackend(server, new Forwarder(port));
  }

  readonly backend: Backend = async (req) => {
    const operation = (header(req, 'x-amz-target') ?? '').split('.')[1];
    if (operation === 'UpdateTimeToLive' || operation === 'DescribeTimeToLive') return this.timeToLive(operation, req);
    const reply = await this.forwarder.send(req);
    if (operation === 'DeleteTable' && reply.status === 200) this.ttl.delete(tableName(req) ?? '');
    return reply;
  };

  private async timeToLive(operation: string, req: BufferedRequest): Promise<HttpReply> {
    let input: { TableName?: unknown; TimeToLiveSpecification?: { AttributeName?: unknown; Enabled?: unknown } };
    try {
      input = JSON.parse(bodyText(req) || '{}');
    } catch {
      return dynamoError(400, 'com.amazon.coral.service#SerializationException', 'Malformed JSON');
    }
    const table = input.TableName;
    if (typeof table !== 'string' || table.length < 3) {
      return validation(
        "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null",
      );
    }
    // Existence check through dynalite itself, so the error is exactly its ResourceNotFoundException.
    const described = await this.forwarder.send({
      ...req,
      headers: { ...req.headers, 'x-amz-target': 'DynamoDB_20120810.DescribeTable', 'content-encoding': undefined },
      body: Buffer.from(JSON.stringify({ TableName: table })),
    });
    if (described.status !== 200) return described;
    const current = this.ttl.get(table);
    if (operation === 'DescribeTimeToLive') {
      return ok({
        TimeToLiveDescription: current
          ? { TimeToLiveStatus: 'ENABLED', AttributeName: current }
          : { TimeToLiveStatus: 'DISABLED' },
      });
    }
    const spec = input.TimeToLiveSpecification;
    if (
      !spec ||
      typeof spec.Enabled !== 'boolean' ||
      typeof spec.AttributeName !== 'string' ||
      spec.AttributeName === ''
    ) {
      return validation(
        "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null",
      );
    }
    if (spec.Enabled && current) return validation('TimeToLive is already enabled');
    if (!spec.Enabled && !current) return validation('TimeToLive is already disabled');
    if (!spec.Enabled && current !== spec.AttributeName) {
      return validation(
        `The attribute name provided ${spec.AttributeName} does not match the current TimeToLive attribute name ${current}`,
      );
    }
    if (spec.Enabled) this.ttl.set(table, spec.AttributeName);
    else this.ttl.delete(table);
    return ok({ TimeToLiveSpecification: { AttributeName: spec.AttributeName, Enabled: spec.Enabled } });
  }

  async stop(): Promise<void> {
    this.forwarder.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function tableName(req: BufferedRequest): string | undefined {
  try {
    const name = (JSON.parse(bodyText(req)) as { TableName?: unknown }).TableName;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
