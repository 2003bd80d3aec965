/**
 * Builders of the event sources added with issue 17 (Cognito, authorizers, Kafka, AppSync,
 * CloudWatch Logs, Firehose, SES, CloudFront, API Gateway WebSocket), re-exported by `EventBuilders`. They follow the
 * same rules: the fields a test names, every other key filled as AWS fills it, deterministic ids.
 *
 * @internal
 */
import type {
  ApiGatewayAuthorizer,
  ApiGatewayWebSocket,
  AppSync,
  CloudFront,
  CloudWatchLogs,
  Cognito,
  Firehose,
  Kafka,
  Ses
} from "@effect-lambda/events"
import { gzipSync } from "node:zlib"

const ACCOUNT = "123456789012"
const REGION = "us-east-1"
const EPOCH = Date.UTC(2026, 0, 1, 12, 0, 0)
const ISO = new Date(EPOCH).toISOString()
const b64 = (data: string | Uint8Array) => Buffer.from(data).toString("base64")

// ---------------------------------------------------------------------------
// Cognito
// ---------------------------------------------------------------------------

/**
 * What a test says about a Cognito trigger: the trigger's `request` and, when the test checks
 * what the function fills in, a starting `response` (default: the empty response Cognito
 * sends for that trigger).
 *
 * @since 0.1.0
 * @category models
 */
export interface CognitoTriggerInput<Req, Res> {
  readonly request: Req
  readonly response?: Res
  /** Default `testuser`. */
  readonly userName?: string
  /** Default `1example23456789`. */
  readonly clientId?: string
}

const cognitoEnvelope = (triggerSource: string, input: { userName?: string; clientId?: string }, version = "1") => ({
  version,
  triggerSource,
  region: REGION,
  userPoolId: `${REGION}_EXAMPLE`,
  userName: input.userName ?? "testuser",
  callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: input.clientId ?? "1example23456789" }
})

/**
 * A pre sign-up trigger (`PreSignUp_SignUp` unless `triggerSource` says otherwise).
 *
 * @since 0.1.0
 * @category cognito
 */
export const cognitoPreSignUp = (
  userAttributes: Readonly<Record<string, string>>,
  options: Partial<CognitoTriggerInput<never, Cognito.PreSignUpEvent["response"]>> & {
    readonly triggerSource?: Cognito.PreSignUpEvent["triggerSource"]
  } = {}
): Cognito.PreSignUpEvent => ({
  ...cognitoEnvelope(options.triggerSource ?? "PreSignUp_SignUp", options),
  triggerSource: options.triggerSource ?? "PreSignUp_SignUp",
  request: { userAttributes, validationData: null },
  response: options.response ?? { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false }
})

/**
 * A post confirmation trigger.
 *
 * @since 0.1.0
 * @category cognito
 */
export const cognitoPostConfirmation = (
  userAttributes: Readonly<Record<string, string>>,
  options: { readonly userName?: string; readonly clientId?: string } = {}
): Cognito.PostConfirmationEvent => ({
  ...cognitoEnvelope("PostConfirmation_ConfirmSignUp", options),
  triggerSource: "PostConfirmation_ConfirmSignUp",
  request: { userAttributes },
  response: {}
})

/**
 * A pre token generation trigger, version 2 (ID and access tokens), with no override yet.
 *
 * @since 0.1.0
 * @category cognito
 */
export const cognitoPreTokenGeneration = (
  userAttributes: Readonly<Record<string, string>>,
  options: {
    readonly groups?: ReadonlyArray<string>
    readonly scopes?: ReadonlyArray<string>
    readonly userName?: string
  } = {}
): Cognito.PreTokenGenerationV2Event => ({
  ...cognitoEnvelope("TokenGeneration_Authentication", options, "2"),
  triggerSource: "TokenGeneration_Authentication",
  request: {
    userAttributes,
    scopes: options.scopes ?? ["openid", "aws.cognito.signin.user.admin"],
    groupConfiguration: { groupsToOverride: options.groups ?? [], iamRolesToOverride: [], preferredRole: null }
  },
  response: { claimsAndScopeOverrideDetails: null }
})

/**
 * A custom message trigger (`CustomMessage_SignUp` unless `triggerSource` says otherwise).
 *
 * @since 0.1.0
 * @category cognito
 */
export const cognitoCustomMessage = (
  userAttributes: Readonly<Record<string, string>>,
  options: { readonly triggerSource?: Cognito.CustomMessageEvent["triggerSource"]; readonly userName?: string } = {}
): Cognito.CustomMessageEvent => ({
  ...cognitoEnvelope(options.triggerSource ?? "CustomMessage_SignUp", options),
  triggerSource: options.triggerSource ?? "CustomMessage_SignUp",
  request: { userAttributes, codeParameter: "{####}", linkParameter: "{##Click Here##}", usernameParameter: null },
  response: { smsMessage: null, emailMessage: null, emailSubject: null }
})

// ---------------------------------------------------------------------------
// API Gateway authorizers
// ---------------------------------------------------------------------------

const methodArn = (method: string, path: string) =>
  `arn:aws:execute-api:${REGION}:${ACCOUNT}:abcdef123/test/${method}${path}`

/**
 * A REST API `TOKEN` authorizer's event for `GET /` unless told otherwise.
 *
 * @since 0.1.0
 * @category authorizers
 */
export const tokenAuthorizerEvent = (
  token: string,
  options: { readonly method?: string; readonly path?: string } = {}
): ApiGatewayAuthorizer.TokenAuthorizerEvent => ({
  type: "TOKEN",
  authorizationToken: token,
  methodArn: methodArn(options.method ?? "GET", options.path ?? "/")
})

/**
 * A REST API `REQUEST` authorizer's event.
 *
 * @since 0.1.0
 * @category authorizers
 */
export const requestAuthorizerEvent = (
  input: {
    readonly method?: string
    readonly path?: string
    readonly headers?: Readonly<Record<string, string>>
    readonly query?: Readonly<Record<string, string>>
    readonly sourceIp?: string
  } = {}
): ApiGatewayAuthorizer.RequestAuthorizerEvent => {
  const method = input.method ?? "GET"
  const path = input.path ?? "/"
  const headers = input.headers ?? {}
  const query = input.query
  return {
    type: "REQUEST",
    methodArn: methodArn(method, path),
    resource: path,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: query === undefined
      ? null
      : Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
    pathParameters: {},
    stageVariables: null,
    requestContext: {
      path: `/test${path}`,
      accountId: ACCOUNT,
      resourceId: "05c7jb",
      stage: "test",
      requestId: "00000000-0000-4000-8000-000000000001",
      identity: { apiKey: null, sourceIp: input.sourceIp ?? "192.0.2.1" },
      resourcePath: path,
      httpMethod: method,
      apiId: "abcdef123"
    }
  }
}

/**
 * An HTTP API (payload 2.0) request authorizer's event; `identitySource` defaults to the
 * `authorization` header's value.
 *
 * @since 0.1.0
 * @category authorizers
 */
export const requestAuthorizerEventV2 = (
  input: {
    readonly method?: string
    readonly path?: string
    readonly headers?: Readonly<Record<string, string>>
    readonly identitySource?: ReadonlyArray<string>
  } = {}
): ApiGatewayAuthorizer.RequestAuthorizerEventV2 => {
  const method = input.method ?? "GET"
  const path = input.path ?? "/"
  const headers = Object.fromEntries(Object.entries(input.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
  const authorization = headers.authorization
  return {
    version: "2.0",
    type: "REQUEST",
    routeArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:abcdef123/$default/${method}${path}`,
    identitySource: input.identitySource ?? (authorization === undefined ? [] : [authorization]),
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: "",
    headers,
    requestContext: {
      accountId: ACCOUNT,
      apiId: "abcdef123",
      domainName: "abcdef123.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "abcdef123",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "test" },
      requestId: "AAAAAAAAAAAAAAA=",
      routeKey: `${method} ${path}`,
      stage: "$default",
      time: "01/Jan/2026:12:00:00 +0000",
      timeEpoch: EPOCH
    }
  }
}

// ---------------------------------------------------------------------------
// Kafka
// ---------------------------------------------------------------------------

/**
 * One Kafka record as a test gives it: text or bytes for the value (`null` for a tombstone),
 * optional key and text headers.
 *
 * @since 0.1.0
 * @category models
 */
export interface KafkaRecordInput {
  readonly value: string | Uint8Array | null
  readonly key?: string
  readonly headers?: Readonly<Record<string, string>>
  /** Default 0. */
  readonly partition?: number
}

/**
 * A Kafka batch on `topic`: MSK by default, self-managed with `{ selfManaged: true }`.
 * Offsets count up from 0 within each partition.
 *
 * @since 0.1.0
 * @category streams
 */
export const kafkaEvent = (
  topic: string,
  records: ReadonlyArray<string | KafkaRecordInput>,
  options: { readonly selfManaged?: boolean } = {}
): Kafka.KafkaEvent => {
  const byPartition: Record<string, Array<Kafka.KafkaRecord>> = {}
  records.forEach((entry, index) => {
    const record: KafkaRecordInput = typeof entry === "string" ? { value: entry } : entry
    const partition = record.partition ?? 0
    const list = (byPartition[`${topic}-${partition}`] ??= [])
    list.push({
      topic,
      partition,
      offset: list.length,
      timestamp: EPOCH + index,
      timestampType: "CREATE_TIME",
      ...(record.key === undefined ? {} : { key: b64(record.key) }),
      value: record.value === null ? null : b64(record.value),
      headers: Object.entries(record.headers ?? {}).map(([name, value]) => ({ [name]: [...Buffer.from(value)] }))
    })
  })
  const bootstrapServers = "b-1.test.kafka.us-east-1.amazonaws.com:9092,b-2.test.kafka.us-east-1.amazonaws.com:9092"
  return options.selfManaged === true
    ? { eventSource: "SelfManagedKafka", bootstrapServers, records: byPartition }
    : {
      eventSource: "aws:kafka",
      eventSourceArn: `arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/test-cluster/00000000-0000-4000-8000-000000000000-1`,
      bootstrapServers,
      records: byPartition
    }
}

// ---------------------------------------------------------------------------
// AppSync
// ---------------------------------------------------------------------------

/**
 * A direct Lambda resolver's event for `parentTypeName.fieldName` (default `Query`), called
 * with an API key (no identity) unless `identity` is given.
 *
 * @since 0.1.0
 * @category appsync
 */
export const appSyncResolverEvent = (
  fieldName: string,
  args: Readonly<Record<string, unknown>> = {},
  options: {
    readonly parentTypeName?: string
    readonly source?: Readonly<Record<string, unknown>> | null
    readonly identity?: Readonly<Record<string, unknown>> | null
    readonly selectionSetList?: ReadonlyArray<string>
  } = {}
): AppSync.ResolverEvent => {
  const selection = options.selectionSetList ?? ["id"]
  return {
    arguments: args,
    identity: options.identity ?? null,
    source: options.source ?? null,
    request: {
      headers: { host: "example.appsync-api.us-east-1.amazonaws.com", "x-api-key": "da2-test" },
      domainName: null
    },
    prev: null,
    info: {
      fieldName,
      parentTypeName: options.parentTypeName ?? "Query",
      selectionSetList: selection,
      selectionSetGraphQL: `{\n${selection.map((field) => `  ${field}`).join("\n")}\n}`,
      variables: {}
    },
    stash: {}
  }
}

// ---------------------------------------------------------------------------
// CloudWatch Logs, Firehose
// ---------------------------------------------------------------------------

/**
 * A CloudWatch Logs subscription event carrying `messages` (compressed and encoded as
 * CloudWatch Logs does: gzip, then base64).
 *
 * @since 0.1.0
 * @category logs
 */
export const cloudWatchLogsEvent = (
  messages: ReadonlyArray<string>,
  options: { readonly logGroup?: string; readonly logStream?: string } = {}
): CloudWatchLogs.CloudWatchLogsEncodedEvent => {
  const data: CloudWatchLogs.LogsData = {
    messageType: "DATA_MESSAGE",
    owner: ACCOUNT,
    logGroup: options.logGroup ?? "/aws/lambda/test-function",
    logStream: options.logStream ?? "2026/01/01/[$LATEST]00000000000000000000000000000000",
    subscriptionFilters: ["test-filter"],
    logEvents: messages.map((message, index) => ({
      id: String(36000000000000000000000000000000000000000000000000000000n + BigInt(index)),
      timestamp: EPOCH + index,
      message
    }))
  }
  return { awslogs: { data: gzipSync(JSON.stringify(data)).toString("base64") } }
}

/**
 * A Firehose transformation event with one record per payload (base64 encoded as Firehose
 * does); record ids follow the position.
 *
 * @since 0.1.0
 * @category streams
 */
export const firehoseEvent = (
  payloads: ReadonlyArray<string | Uint8Array>,
  options: { readonly deliveryStreamName?: string } = {}
): Firehose.FirehoseTransformationEvent => ({
  invocationId: "00000000-0000-4000-8000-00000000f1e0",
  deliveryStreamArn: `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${
    options.deliveryStreamName ?? "test-stream"
  }`,
  region: REGION,
  records: payloads.map((payload, index) => ({
    recordId: (49546986683135544286507457936321625675700192471156785154n + BigInt(index)).toString(),
    approximateArrivalTimestamp: EPOCH + index,
    data: b64(payload)
  }))
})

// ---------------------------------------------------------------------------
// SES, CloudFront
// ---------------------------------------------------------------------------

/**
 * An SES receipt rule's event for one message; every verdict passes unless told otherwise.
 *
 * @since 0.1.0
 * @category email
 */
export const sesEvent = (input: {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly subject?: string
  readonly spam?: "PASS" | "FAIL"
  readonly virus?: "PASS" | "FAIL"
  readonly invocationType?: "Event" | "RequestResponse"
}): Ses.SesEvent => {
  const subject = input.subject ?? "Test"
  const messageId = "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"
  return {
    Records: [{
      eventSource: "aws:ses",
      eventVersion: "1.0",
      ses: {
        mail: {
          timestamp: ISO,
          source: input.from,
          messageId,
          destination: input.to,
          headersTruncated: false,
          headers: [
            { name: "From", value: input.from },
            { name: "To", value: input.to.join(", ") },
            { name: "Subject", value: subject }
          ],
          commonHeaders: {
            returnPath: input.from,
            from: [input.from],
            date: new Date(EPOCH).toUTCString(),
            to: input.to,
            messageId: `<${messageId}@example.com>`,
            subject
          }
        },
        receipt: {
          timestamp: ISO,
          processingTimeMillis: 100,
          recipients: input.to,
          spamVerdict: { status: input.spam ?? "PASS" },
          virusVerdict: { status: input.virus ?? "PASS" },
          spfVerdict: { status: "PASS" },
          dkimVerdict: { status: "PASS" },
          dmarcVerdict: { status: "PASS" },
          action: {
            type: "Lambda",
            functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:test-function`,
            invocationType: input.invocationType ?? "Event"
          }
        }
      }
    }]
  }
}

const cfHeaders = (headers: Readonly<Record<string, string>>): CloudFront.Headers =>
  Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), [{ key, value }]]))

const cfConfig = (eventType: CloudFront.CloudFrontRequestEvent["Records"][number]["cf"]["config"]["eventType"]) => ({
  distributionDomainName: "d111111abcdef8.cloudfront.net",
  distributionId: "EDFDVBD6EXAMPLE",
  eventType,
  requestId: "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="
})

/**
 * A Lambda@Edge viewer-request event (or `origin-request` with `stage`).
 *
 * @since 0.1.0
 * @category edge
 */
export const cloudFrontRequestEvent = (
  input: {
    readonly uri?: string
    readonly method?: string
    readonly querystring?: string
    readonly headers?: Readonly<Record<string, string>>
    readonly stage?: "viewer-request" | "origin-request"
  } = {}
): CloudFront.CloudFrontRequestEvent => ({
  Records: [{
    cf: {
      config: cfConfig(input.stage ?? "viewer-request"),
      request: {
        clientIp: "192.0.2.1",
        headers: cfHeaders({ Host: "d111111abcdef8.cloudfront.net", ...input.headers }),
        method: input.method ?? "GET",
        querystring: input.querystring ?? "",
        uri: input.uri ?? "/"
      }
    }
  }]
})

/**
 * A Lambda@Edge origin-response event (or `viewer-response` with `stage`).
 *
 * @since 0.1.0
 * @category edge
 */
export const cloudFrontResponseEvent = (
  input: {
    readonly uri?: string
    readonly status?: number
    readonly headers?: Readonly<Record<string, string>>
    readonly stage?: "origin-response" | "viewer-response"
  } = {}
): CloudFront.CloudFrontResponseEvent => {
  const [request] = cloudFrontRequestEvent({ ...(input.uri === undefined ? {} : { uri: input.uri }) }).Records
  return {
    Records: [{
      cf: {
        config: cfConfig(input.stage ?? "origin-response"),
        request: request!.cf.request,
        response: {
          status: String(input.status ?? 200),
          statusDescription: "OK",
          headers: cfHeaders(input.headers ?? {})
        }
      }
    }]
  }
}

// ---------------------------------------------------------------------------
// API Gateway WebSocket
// ---------------------------------------------------------------------------

/**
 * What a test says about a WebSocket event: which connection (default `L0SM9cOFvHcCIhw=`),
 * when it connected (default the builders' fixed time), and, for a connection behind a
 * `$connect` authorizer, what the authorizer returned (on every later event of the connection).
 *
 * @since 0.1.0
 * @category models
 */
export interface WebSocketInput {
  readonly connectionId?: string
  readonly connectedAt?: number
  readonly authorizer?: Readonly<Record<string, unknown>>
  /** Default `192.0.2.1`. */
  readonly sourceIp?: string
  /** Default `prod`. */
  readonly stage?: string
}

const WS_API = "w1x2y3z4a5"
const WS_DOMAIN = `${WS_API}.execute-api.${REGION}.amazonaws.com`
// API Gateway's CLF-style request time of EPOCH, and base64-looking ids as it makes them.
const WS_TIME = "01/Jan/2026:12:00:00 +0000"
const wsId = (n: number) => `${b64(`ws-id-${n.toString().padStart(4, "0")}`).slice(0, 14)}=`

const wsContext = (
  input: WebSocketInput,
  routeKey: string,
  eventType: ApiGatewayWebSocket.ApiGatewayWebSocketEventType,
  userAgent: string | undefined
): ApiGatewayWebSocket.ApiGatewayWebSocketRequestContext => {
  // one request id per kind of event, so tests can name it
  const id = wsId(eventType === "CONNECT" ? 1 : eventType === "MESSAGE" ? 2 : 3)
  return {
    routeKey,
    eventType,
    extendedRequestId: id,
    requestTime: WS_TIME,
    messageDirection: "IN",
    stage: input.stage ?? "prod",
    connectedAt: input.connectedAt ?? EPOCH,
    requestTimeEpoch: EPOCH,
    identity: userAgent === undefined
      ? { sourceIp: input.sourceIp ?? "192.0.2.1" }
      : { userAgent, sourceIp: input.sourceIp ?? "192.0.2.1" },
    requestId: id,
    domainName: WS_DOMAIN,
    connectionId: input.connectionId ?? "L0SM9cOFvHcCIhw=",
    apiId: WS_API,
    ...(input.authorizer === undefined ? {} : { authorizer: input.authorizer })
  }
}

const multi = (record: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, [value]]))

/**
 * A `$connect` event: the WebSocket handshake's headers (those API Gateway adds, then the
 * test's) and query string.
 *
 * @since 0.1.0
 * @category websocket
 * @example
 * ```ts
 * import { EventBuilders } from "@effect-lambda/testing"
 *
 * const event = EventBuilders.webSocketConnect({ query: { token: "t-1" } })
 * ```
 */
export const webSocketConnect = (
  input: WebSocketInput & {
    readonly headers?: Readonly<Record<string, string>>
    readonly query?: Readonly<Record<string, string>>
  } = {}
): ApiGatewayWebSocket.ApiGatewayWebSocketEvent => {
  const userAgent = input.headers?.["User-Agent"] ?? "effect-lambda-test"
  const headers: Record<string, string> = {
    Host: WS_DOMAIN,
    "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    "User-Agent": userAgent,
    "X-Amzn-Trace-Id": "Root=1-67752b40-0123456789abcdef01234567",
    "X-Forwarded-For": input.sourceIp ?? "192.0.2.1",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Proto": "https",
    ...input.headers
  }
  return {
    headers,
    multiValueHeaders: multi(headers),
    ...(input.query === undefined
      ? {}
      : { queryStringParameters: input.query, multiValueQueryStringParameters: multi(input.query) }),
    requestContext: wsContext(input, "$connect", "CONNECT", userAgent),
    isBase64Encoded: false
  }
}

/**
 * A message on a route: `$default` unless `routeKey` names a custom route. A `body` that is
 * not a string is sent as JSON; bytes are sent base64 encoded with `isBase64Encoded: true`
 * (a binary frame).
 *
 * @since 0.1.0
 * @category websocket
 */
export const webSocketMessage = (
  body: unknown,
  input: WebSocketInput & { readonly routeKey?: string } = {}
): ApiGatewayWebSocket.ApiGatewayWebSocketEvent => {
  const binary = body instanceof Uint8Array
  const context = wsContext(input, input.routeKey ?? "$default", "MESSAGE", undefined)
  return {
    requestContext: { ...context, messageId: wsId(4) },
    body: binary ? b64(body) : typeof body === "string" ? body : JSON.stringify(body),
    isBase64Encoded: binary
  }
}

/**
 * A `$disconnect` event; `statusCode` is the close frame's code (default 1000), `reason` its
 * text (default empty).
 *
 * @since 0.1.0
 * @category websocket
 */
export const webSocketDisconnect = (
  input: WebSocketInput & { readonly statusCode?: number; readonly reason?: string } = {}
): ApiGatewayWebSocket.ApiGatewayWebSocketEvent => {
  const headers = { Host: WS_DOMAIN, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": "" }
  return {
    headers,
    multiValueHeaders: multi(headers),
    requestContext: {
      ...wsContext(input, "$disconnect", "DISCONNECT", "effect-lambda-test"),
      disconnectStatusCode: input.statusCode ?? 1000,
      disconnectReason: input.reason ?? ""
    },
    isBase64Encoded: false
  }
}
