/**
 * `invoke --data-example <source>`: a sample event of an AWS event source, built with
 * `@effect-lambda/testing`'s `EventBuilders` (the same events the test kit gives handlers).
 *
 * @internal
 */
import * as EventBuilders from "@effect-lambda/testing/EventBuilders"

/** @internal */
export interface DataExample {
  readonly description: string
  readonly build: () => unknown
}

/**
 * Each source by the name `--data-example` takes, in the order `--data-example list` shows them.
 *
 * @internal
 */
export const examples: Readonly<Record<string, DataExample>> = {
  "apigw-v1": {
    description: "API Gateway REST API request (payload format 1.0)",
    build: () => EventBuilders.apiGatewayV1Request({ method: "GET", path: "/hello", query: { name: "world" } })
  },
  "apigw-v2": {
    description: "API Gateway HTTP API request (payload format 2.0)",
    build: () => EventBuilders.apiGatewayV2Request({ method: "GET", path: "/hello", query: { name: "world" } })
  },
  alb: {
    description: "Application Load Balancer request",
    build: () => EventBuilders.albRequest({ method: "GET", path: "/hello", query: { name: "world" } })
  },
  "function-url": {
    description: "Lambda Function URL request",
    build: () => EventBuilders.functionUrlRequest({ method: "GET", path: "/hello", query: { name: "world" } })
  },
  sqs: {
    description: "SQS batch of two messages",
    build: () => EventBuilders.sqsEvent([JSON.stringify({ id: 1 }), JSON.stringify({ id: 2 })])
  },
  sns: {
    description: "SNS notification",
    build: () => EventBuilders.snsEvent([JSON.stringify({ hello: "world" })])
  },
  s3: {
    description: "S3 ObjectCreated:Put notification",
    build: () => EventBuilders.s3Event([{ key: "uploads/hello.txt" }])
  },
  eventbridge: {
    description: "EventBridge event",
    build: () => EventBuilders.eventBridgeEvent({ detail: { hello: "world" } })
  },
  dynamodb: {
    description: "DynamoDB stream INSERT record",
    build: () =>
      EventBuilders.dynamoDbStreamEvent([{
        keys: { id: { S: "1" } },
        newImage: { id: { S: "1" }, name: { S: "world" } }
      }])
  },
  kinesis: {
    description: "Kinesis stream record",
    build: () => EventBuilders.kinesisEvent([{ data: JSON.stringify({ hello: "world" }) }])
  },
  scheduled: {
    description: "EventBridge Scheduler / CloudWatch Events scheduled event",
    build: () => EventBuilders.scheduledEvent()
  }
}

/**
 * The names `--data-example` takes, with a description each: what `--data-example list` prints.
 *
 * @internal
 */
export const listing = (): string => {
  const width = Math.max(...Object.keys(examples).map((name) => name.length))
  return Object.entries(examples).map(([name, e]) => `${name.padEnd(width)}  ${e.description}`).join("\n")
}
