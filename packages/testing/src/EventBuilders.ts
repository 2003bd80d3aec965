/**
 * Builders of realistic AWS events for tests: give the few fields a test cares about, get an
 * event with every other key filled the way AWS fills it, so it decodes with the matching
 * `@effect-lambda/events` Schema.
 *
 * Identifiers (message ids, sequence numbers, request ids) are deterministic, derived from the
 * position of the record, so tests can name them.
 *
 * @since 0.1.0
 */
import type {
  Alb,
  ApiGateway,
  DynamoDb,
  EventBridge,
  FunctionUrl,
  Kinesis,
  S3,
  Scheduled,
  Sns,
  Sqs
} from "@effect-lambda/events"
import { createHash } from "node:crypto"

const ACCOUNT = "123456789012"
const REGION = "us-east-1"
const EPOCH = Date.UTC(2026, 0, 1, 12, 0, 0)
const ISO = new Date(EPOCH).toISOString()
// API Gateway's CLF-style request time, for the fixed epoch above.
const CLF_TIME = "01/Jan/2026:12:00:00 +0000"

/** A UUID-shaped id that is the same for the same `(kind, n)`. */
const uuid = (kind: number, n: number) =>
  `00000000-0000-4000-${(0x8000 + kind).toString(16)}-${n.toString(16).padStart(12, "0")}`

const md5 = (text: string) => createHash("md5").update(text).digest("hex")

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

/**
 * What a test says about an HTTP request. Header and query values may be lists (repeated
 * keys). A `body` that is neither a string nor bytes is sent as JSON (with
 * `content-type: application/json` unless a content type is given); bytes are sent base64
 * encoded with `isBase64Encoded: true`, as AWS does for binary bodies.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpRequestInput {
  /** Default `GET`. */
  readonly method?: string
  /** Default `/`. */
  readonly path?: string
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string | ReadonlyArray<string>>>
  readonly query?: Readonly<Record<string, string | ReadonlyArray<string>>>
  /** Cookies the client sends, by name. */
  readonly cookies?: Readonly<Record<string, string>>
  /** Default `192.0.2.1`. */
  readonly sourceIp?: string
  /** Default `api.example.com`. */
  readonly host?: string
}

interface NormalisedRequest {
  readonly method: string
  readonly path: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly query: ReadonlyArray<readonly [string, string]>
  readonly cookies: ReadonlyArray<string>
  readonly body: string | undefined
  readonly isBase64Encoded: boolean
  readonly sourceIp: string
  readonly host: string
  readonly userAgent: string
}

const entries = (record: Readonly<Record<string, string | ReadonlyArray<string>>> | undefined) => {
  const out: Array<readonly [string, string]> = []
  for (const [key, value] of Object.entries(record ?? {})) {
    if (typeof value === "string") out.push([key, value])
    else for (const one of value) out.push([key, one])
  }
  return out
}

const normalise = (input: HttpRequestInput): NormalisedRequest => {
  const headers = entries(input.headers)
  const hasHeader = (name: string) => headers.some(([key]) => key.toLowerCase() === name)
  let body: string | undefined
  let isBase64Encoded = false
  if (input.body === undefined || input.body === null) {
    body = undefined
  } else if (typeof input.body === "string") {
    body = input.body
  } else if (input.body instanceof Uint8Array) {
    body = Buffer.from(input.body).toString("base64")
    isBase64Encoded = true
  } else {
    body = JSON.stringify(input.body)
    if (!hasHeader("content-type")) headers.push(["content-type", "application/json"])
  }
  const host = input.host ?? "api.example.com"
  if (!hasHeader("host")) headers.unshift(["host", host])
  const userAgent = headers.find(([key]) => key.toLowerCase() === "user-agent")?.[1] ?? "effect-lambda-test"
  if (!hasHeader("user-agent")) headers.push(["user-agent", userAgent])
  const sourceIp = input.sourceIp ?? "192.0.2.1"
  if (!hasHeader("x-forwarded-for")) headers.push(["x-forwarded-for", sourceIp])
  return {
    method: (input.method ?? "GET").toUpperCase(),
    path: input.path ?? "/",
    headers,
    query: entries(input.query),
    cookies: Object.entries(input.cookies ?? {}).map(([name, value]) => `${name}=${value}`),
    body,
    isBase64Encoded,
    sourceIp,
    host,
    userAgent
  }
}

/** API Gateway 2.0 and Function URLs join repeated headers and query values with commas. */
const joinedMap = (pairs: ReadonlyArray<readonly [string, string]>, lowerCase: boolean) => {
  const out: Record<string, string> = {}
  for (const [rawKey, value] of pairs) {
    const key = lowerCase ? rawKey.toLowerCase() : rawKey
    out[key] = out[key] === undefined ? value : `${out[key]},${value}`
  }
  return out
}

/** Payload 1.0 keeps the last value in the single-value map and all of them in the other. */
const lastAndAll = (pairs: ReadonlyArray<readonly [string, string]>, lowerCase: boolean) => {
  const single: Record<string, string> = {}
  const multi: Record<string, Array<string>> = {}
  for (const [rawKey, value] of pairs) {
    const key = lowerCase ? rawKey.toLowerCase() : rawKey
    single[key] = value
    ;(multi[key] ??= []).push(value)
  }
  return { single, multi }
}

const rawQueryString = (query: ReadonlyArray<readonly [string, string]>) =>
  query.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join("&")

const v2Shape = (request: NormalisedRequest) => {
  const headers = joinedMap(request.headers, true)
  const query = joinedMap(request.query, false)
  return {
    version: "2.0" as const,
    routeKey: "$default",
    rawPath: request.path,
    rawQueryString: rawQueryString(request.query),
    ...(request.cookies.length > 0 ? { cookies: request.cookies } : {}),
    headers,
    ...(request.query.length > 0 ? { queryStringParameters: query } : {}),
    ...(request.body === undefined ? {} : { body: request.body }),
    isBase64Encoded: request.isBase64Encoded
  }
}

const v2Context = (request: NormalisedRequest, apiId: string) => ({
  accountId: ACCOUNT,
  apiId,
  domainName: request.host,
  domainPrefix: request.host.split(".")[0]!,
  http: {
    method: request.method,
    path: request.path,
    protocol: "HTTP/1.1",
    sourceIp: request.sourceIp,
    userAgent: request.userAgent
  },
  requestId: "JKJaXmPLvHcESHA=",
  routeKey: "$default",
  stage: "$default",
  time: CLF_TIME,
  timeEpoch: EPOCH
})

/**
 * An HTTP API (payload format 2.0) request.
 *
 * @since 0.1.0
 * @category http
 * @example
 * ```ts
 * import { EventBuilders } from "@effect-lambda/testing"
 *
 * const event = EventBuilders.apiGatewayV2Request({ method: "POST", path: "/items", body: { name: "pen" } })
 * ```
 */
export const apiGatewayV2Request = (input: HttpRequestInput = {}): ApiGateway.ApiGatewayProxyEventV2 => {
  const request = normalise(input)
  return { ...v2Shape(request), requestContext: v2Context(request, "r5t6y7u8i9") }
}

/**
 * A Function URL request (payload format 2.0, `NONE` auth).
 *
 * @since 0.1.0
 * @category http
 */
export const functionUrlRequest = (input: HttpRequestInput = {}): FunctionUrl.FunctionUrlEvent => {
  const request = normalise({ host: "abcdefghijklmnopqrstuvwxyz0123.lambda-url.us-east-1.on.aws", ...input })
  return {
    ...v2Shape(request),
    requestContext: { ...v2Context(request, "abcdefghijklmnopqrstuvwxyz0123"), accountId: "anonymous" }
  }
}

/**
 * A REST API proxy integration request (payload format 1.0). Header names keep the case they
 * are given in, as API Gateway does; empty parts are `null`, as API Gateway sends them.
 *
 * @since 0.1.0
 * @category http
 */
export const apiGatewayV1Request = (input: HttpRequestInput = {}): ApiGateway.ApiGatewayProxyEvent => {
  const request = normalise(input)
  const cookieHeader: ReadonlyArray<readonly [string, string]> = request.cookies.length > 0
    ? [["Cookie", request.cookies.join("; ")]]
    : []
  const headers = lastAndAll([...request.headers, ...cookieHeader], false)
  const query = lastAndAll(request.query, false)
  const hasQuery = request.query.length > 0
  return {
    resource: request.path,
    path: request.path,
    httpMethod: request.method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: hasQuery ? query.single : null,
    multiValueQueryStringParameters: hasQuery ? query.multi : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: ACCOUNT,
      apiId: "a1b2c3d4e5",
      domainName: request.host,
      domainPrefix: request.host.split(".")[0]!,
      httpMethod: request.method,
      identity: { sourceIp: request.sourceIp, userAgent: request.userAgent },
      path: `/prod${request.path}`,
      protocol: "HTTP/1.1",
      requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
      requestTime: CLF_TIME,
      requestTimeEpoch: EPOCH,
      resourceId: "3x7kpa",
      resourcePath: request.path,
      stage: "prod"
    },
    body: request.body ?? null,
    isBase64Encoded: request.isBase64Encoded
  }
}

/**
 * An Application Load Balancer request. `multiValue: true` builds the event of a target group
 * with multi-value headers enabled (only the multi-value maps are sent). Query values are sent
 * percent-encoded, as the ALB does.
 *
 * @since 0.1.0
 * @category http
 */
export const albRequest = (
  input: HttpRequestInput & { readonly multiValue?: boolean } = {}
): Alb.AlbEvent => {
  const request = normalise(input)
  const cookieHeader: ReadonlyArray<readonly [string, string]> = request.cookies.length > 0
    ? [["cookie", request.cookies.join("; ")]]
    : []
  const headers = lastAndAll([...request.headers, ...cookieHeader], true)
  const query = lastAndAll(
    request.query.map(([key, value]) => [encodeURIComponent(key), encodeURIComponent(value)] as const),
    false
  )
  return {
    requestContext: {
      elb: {
        targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/lambda-target/abcdef0123456789`
      }
    },
    httpMethod: request.method,
    path: request.path,
    ...(input.multiValue === true
      ? { multiValueHeaders: headers.multi, multiValueQueryStringParameters: query.multi }
      : { headers: headers.single, queryStringParameters: query.single }),
    body: request.body ?? "",
    isBase64Encoded: request.isBase64Encoded
  }
}

// ---------------------------------------------------------------------------
// SQS
// ---------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface SqsOptions {
  /** Default `arn:aws:sqs:us-east-1:123456789012:test-queue` (`.fifo` appended for FIFO). */
  readonly queueArn?: string
  /** Fills the FIFO attributes (`SequenceNumber`, `MessageGroupId`, `MessageDeduplicationId`). */
  readonly fifo?: boolean
  /** Default `group-1`. */
  readonly messageGroupId?: string
}

/**
 * One SQS message; `body` and any other key may be given.
 *
 * @since 0.1.0
 * @category sqs
 */
export const sqsRecord = (record: Partial<Sqs.SqsRecord> = {}, index = 0, options: SqsOptions = {}): Sqs.SqsRecord => {
  const body = record.body ?? ""
  const fifo = options.fifo === true
  const queueArn = options.queueArn ?? `arn:aws:sqs:${REGION}:${ACCOUNT}:test-queue${fifo ? ".fifo" : ""}`
  const messageId = record.messageId ?? uuid(1, index + 1)
  return {
    messageId,
    receiptHandle: `AQEB${Buffer.from(messageId).toString("base64")}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: String(EPOCH),
      SenderId: "AIDAIENQZJOLO23YVJ4VO",
      ApproximateFirstReceiveTimestamp: String(EPOCH + 1),
      ...(fifo
        ? {
          SequenceNumber: String(18849496460467696128n + BigInt(index)),
          MessageGroupId: options.messageGroupId ?? "group-1",
          MessageDeduplicationId: md5(`${messageId}:${body}`)
        }
        : {})
    },
    messageAttributes: {},
    md5OfBody: md5(body),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: REGION,
    ...record
  }
}

/**
 * An SQS batch: each entry is a message body (a string) or a partial record (an object with
 * `body`, `messageId`, ...). Message ids default to deterministic UUIDs by position.
 *
 * @since 0.1.0
 * @category sqs
 * @example
 * ```ts
 * import { EventBuilders } from "@effect-lambda/testing"
 *
 * const event = EventBuilders.sqsEvent([JSON.stringify({ id: 1 }), { body: "x", messageId: "m-2" }])
 * ```
 */
export const sqsEvent = (
  records: ReadonlyArray<string | Partial<Sqs.SqsRecord>>,
  options: SqsOptions = {}
): Sqs.SqsEvent => ({
  Records: records.map((record, index) =>
    sqsRecord(typeof record === "string" ? { body: record } : record, index, options)
  )
})

// ---------------------------------------------------------------------------
// SNS, S3
// ---------------------------------------------------------------------------

/**
 * An SNS notification batch (Lambda always gets one record, but the shape is a list): each
 * entry is a message (a string) or a partial `Sns` message.
 *
 * @since 0.1.0
 * @category sns
 */
export const snsEvent = (
  messages: ReadonlyArray<string | Partial<Sns.SnsMessage>>,
  options: { readonly topicArn?: string } = {}
): Sns.SnsEvent => {
  const topicArn = options.topicArn ?? `arn:aws:sns:${REGION}:${ACCOUNT}:test-topic`
  return {
    Records: messages.map((message, index) => {
      const partial = typeof message === "string" ? { Message: message } : message
      return {
        EventVersion: "1.0",
        EventSubscriptionArn: `${topicArn}:${uuid(2, index + 1)}`,
        EventSource: "aws:sns" as const,
        Sns: {
          SignatureVersion: "1",
          Timestamp: ISO,
          Signature: "EXAMPLE",
          SigningCertUrl: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
          MessageId: uuid(2, index + 1),
          Message: "",
          Type: "Notification",
          UnsubscribeUrl: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}`,
          TopicArn: topicArn,
          Subject: null,
          MessageAttributes: {},
          ...partial
        }
      }
    })
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface S3ObjectInput {
  readonly key: string
  /** Default `test-bucket`. */
  readonly bucket?: string
  /** Default `ObjectCreated:Put`. */
  readonly eventName?: string
  /** Default 1024 (left out for deletions, as S3 does). */
  readonly size?: number
}

/**
 * An S3 event notification, one record per object.
 *
 * @since 0.1.0
 * @category s3
 */
export const s3Event = (objects: ReadonlyArray<S3ObjectInput>): S3.S3Event => ({
  Records: objects.map((object, index) => {
    const bucket = object.bucket ?? "test-bucket"
    const eventName = object.eventName ?? "ObjectCreated:Put"
    const deleted = eventName.startsWith("ObjectRemoved")
    return {
      eventVersion: "2.1",
      eventSource: "aws:s3" as const,
      awsRegion: REGION,
      eventTime: ISO,
      eventName,
      userIdentity: { principalId: "AWS:AIDAINPONIXQXHT3IKHL2" },
      requestParameters: { sourceIPAddress: "192.0.2.1" },
      responseElements: {
        "x-amz-request-id": `C3D13FE58DE4C8${index.toString(16).padStart(2, "0")}`,
        "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"
      },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "test-notification",
        bucket: {
          name: bucket,
          ownerIdentity: { principalId: "A3NL1KOZZKExample" },
          arn: `arn:aws:s3:::${bucket}`
        },
        object: {
          // S3 URL-encodes keys in notifications (spaces as "+").
          key: encodeURIComponent(object.key).replace(/%20/g, "+").replace(/%2F/g, "/"),
          ...(deleted ? {} : { size: object.size ?? 1024, eTag: md5(object.key) }),
          sequencer: (0x0a1b2c3d4e5f6000 + index).toString(16).toUpperCase()
        }
      }
    }
  })
})

// ---------------------------------------------------------------------------
// EventBridge, scheduled
// ---------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface EventBridgeInput<D> {
  readonly detail: D
  /** Default `com.example.test`. */
  readonly source?: string
  /** Default `Test Event`. */
  readonly detailType?: string
  readonly resources?: ReadonlyArray<string>
  readonly time?: string
}

/**
 * An EventBridge event carrying `detail`.
 *
 * @since 0.1.0
 * @category eventbridge
 */
export const eventBridgeEvent = <D>(input: EventBridgeInput<D>): EventBridge.EventBridgeEvent<D> => ({
  version: "0",
  id: uuid(3, 1),
  "detail-type": input.detailType ?? "Test Event",
  source: input.source ?? "com.example.test",
  account: ACCOUNT,
  time: input.time ?? ISO,
  region: REGION,
  resources: input.resources ?? [],
  detail: input.detail
})

/**
 * A scheduled rule's event (`detail-type: "Scheduled Event"`, `source: "aws.events"`).
 *
 * @since 0.1.0
 * @category eventbridge
 */
export const scheduledEvent = (
  input: { readonly ruleName?: string; readonly time?: string } = {}
): Scheduled.ScheduledEvent => ({
  version: "0",
  id: uuid(4, 1),
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: ACCOUNT,
  time: input.time ?? ISO,
  region: REGION,
  resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${input.ruleName ?? "test-schedule"}`],
  detail: {}
})

// ---------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface DynamoDbRecordInput {
  /** Key attributes in DynamoDB's JSON form, e.g. `{ id: { S: "1" } }`. */
  readonly keys: DynamoDb.AttributeMap
  /** Default `INSERT` (or `MODIFY` / `REMOVE` from the images given). */
  readonly eventName?: "INSERT" | "MODIFY" | "REMOVE"
  readonly newImage?: DynamoDb.AttributeMap
  readonly oldImage?: DynamoDb.AttributeMap
  readonly sequenceNumber?: string
}

/**
 * A DynamoDB Streams batch (`NEW_AND_OLD_IMAGES`). Sequence numbers increase with the
 * position of the record.
 *
 * @since 0.1.0
 * @category streams
 */
export const dynamoDbStreamEvent = (
  records: ReadonlyArray<DynamoDbRecordInput>,
  options: { readonly tableName?: string } = {}
): DynamoDb.DynamoDbStreamEvent => ({
  Records: records.map((record, index) => {
    const eventName = record.eventName ??
      (record.newImage !== undefined && record.oldImage !== undefined
        ? "MODIFY"
        : record.oldImage !== undefined
        ? "REMOVE"
        : "INSERT")
    return {
      eventID: `${index + 1}`.padStart(32, "0"),
      eventName,
      eventVersion: "1.1",
      eventSource: "aws:dynamodb" as const,
      awsRegion: REGION,
      dynamodb: {
        ApproximateCreationDateTime: EPOCH / 1000,
        Keys: record.keys,
        ...(record.newImage === undefined ? {} : { NewImage: record.newImage }),
        ...(record.oldImage === undefined ? {} : { OldImage: record.oldImage }),
        SequenceNumber: record.sequenceNumber ?? String(111 + index * 111).padStart(21, "0"),
        SizeBytes: JSON.stringify(record).length,
        StreamViewType: "NEW_AND_OLD_IMAGES" as const
      },
      eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${
        options.tableName ?? "test-table"
      }/stream/2026-01-01T00:00:00.000`
    }
  })
})

/**
 * @since 0.1.0
 * @category models
 */
export interface KinesisRecordInput {
  /** The payload; strings are UTF-8 encoded, then (as Kinesis does) base64 encoded. */
  readonly data: string | Uint8Array
  /** Default `partition-1`. */
  readonly partitionKey?: string
  readonly sequenceNumber?: string
}

/**
 * A Kinesis Data Streams batch: each entry is a payload or a record input. Sequence numbers
 * increase with the position of the record.
 *
 * @since 0.1.0
 * @category streams
 */
export const kinesisEvent = (
  records: ReadonlyArray<string | Uint8Array | KinesisRecordInput>,
  options: { readonly streamName?: string } = {}
): Kinesis.KinesisStreamEvent => ({
  Records: records.map((entry, index) => {
    const record: KinesisRecordInput = typeof entry === "string" || entry instanceof Uint8Array
      ? { data: entry }
      : entry
    const sequenceNumber = record.sequenceNumber ??
      (49590338271490256608559692538361571095921575989136588898n + BigInt(index)).toString()
    return {
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: record.partitionKey ?? "partition-1",
        sequenceNumber,
        data: Buffer.from(record.data).toString("base64"),
        approximateArrivalTimestamp: EPOCH / 1000 + index / 1000
      },
      eventSource: "aws:kinesis" as const,
      eventVersion: "1.0",
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/lambda-role`,
      awsRegion: REGION,
      eventSourceARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${options.streamName ?? "test-stream"}`
    }
  })
})

// Cognito, authorizers, Kafka, AppSync, CloudWatch Logs, Firehose, SES and CloudFront builders
// live in their own file (issue 17) and are part of this module.
export * from "./internal/eventSourceBuilders.js"
