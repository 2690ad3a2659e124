/**
 * The incident table as template.yaml declares it (string keys pk/sk, on demand), created on the local DynamoDB
 * stand-in with the real SDK. One definition for the tests, the demo and the benchmarks.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AwsStack } from './types';

export async function createIncidentTable(stack: AwsStack, table: string): Promise<void> {
  // The stack's own credentials: callers need not have exported them into this process's environment.
  const credentials = { accessKeyId: stack.env.AWS_ACCESS_KEY_ID, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY };
  const ddb = new DynamoDBClient({ region: stack.region, endpoint: stack.endpoints.dynamodb, credentials });
  try {
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } finally {
    ddb.destroy();
  }
}
