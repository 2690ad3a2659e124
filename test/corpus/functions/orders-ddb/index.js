// Orders API (API Gateway REST), AWS SDK heavy: DynamoDB PutItem / GetItem / Query and an SNS notification, all
// through the SDK's standard endpoint variables (the local stand-ins in the sandbox).
const { DynamoDBClient, CreateTableCommand, PutItemCommand, GetItemCommand, QueryCommand } = require('@aws-sdk/client-dynamodb');
const { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');

const ddb = new DynamoDBClient({});
const sns = new SNSClient({});
const TABLE = process.env.TABLE_NAME;
let ready;

async function ensureTable() {
  try {
    await ddb.send(
      new CreateTableCommand({
        TableName: TABLE,
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
  } catch (e) {
    if (e.name !== 'ResourceInUseException') throw e;
  }
}

exports.handler = async (event) => {
  ready = ready || ensureTable();
  await ready;
  const order = JSON.parse(event.body || '{}');
  const pk = `CUST#${order.customer}`;
  const sk = `ORDER#${order.id}`;
  await ddb.send(
    new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk }, sk: { S: sk }, total: { N: String(order.total) } } }),
  );
  const got = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk }, sk: { S: sk } } }));
  const all = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
    }),
  );
  const published = await sns.send(
    new PublishCommand({ TopicArn: process.env.TOPIC_ARN, Message: JSON.stringify({ type: 'order.created', pk, sk }) }),
  );
  return {
    statusCode: 201,
    body: JSON.stringify({ total: got.Item.total.N, orders: all.Count, messageId: Boolean(published.MessageId) }),
  };
};
