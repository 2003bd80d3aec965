/**
 * Effect Schemas of the events AWS services send to Lambda functions and of
 * the responses they expect back. Each module covers one event source.
 *
 * @since 0.1.0
 */

/**
 * Application Load Balancer requests and responses.
 *
 * @since 0.1.0
 */
export * as Alb from "./Alb.js"

/**
 * API Gateway REST (payload 1.0) and HTTP API (payload 2.0) events and results.
 *
 * @since 0.1.0
 */
export * as ApiGateway from "./ApiGateway.js"

/**
 * API Gateway WebSocket API events (`$connect`, `$disconnect`, messages) and results.
 *
 * @since 0.1.0
 */
export * as ApiGatewayWebSocket from "./ApiGatewayWebSocket.js"

/**
 * DynamoDB Streams events and partial batch responses.
 *
 * @since 0.1.0
 */
export * as DynamoDb from "./DynamoDb.js"

/**
 * EventBridge events, generic over `detail`.
 *
 * @since 0.1.0
 */
export * as EventBridge from "./EventBridge.js"

/**
 * Lambda Function URL events and results.
 *
 * @since 0.1.0
 */
export * as FunctionUrl from "./FunctionUrl.js"

/**
 * Kinesis Data Streams events and partial batch responses.
 *
 * @since 0.1.0
 */
export * as Kinesis from "./Kinesis.js"

/**
 * S3 event notifications.
 *
 * @since 0.1.0
 */
export * as S3 from "./S3.js"

/**
 * Scheduled (EventBridge / CloudWatch Events rule) events.
 *
 * @since 0.1.0
 */
export * as Scheduled from "./Scheduled.js"

/**
 * SNS notifications.
 *
 * @since 0.1.0
 */
export * as Sns from "./Sns.js"

/**
 * SQS events and partial batch responses.
 *
 * @since 0.1.0
 */
export * as Sqs from "./Sqs.js"

/**
 * API Gateway Lambda authorizers (REST token and request, HTTP API request) and their answers.
 *
 * @since 0.1.0
 */
export * as ApiGatewayAuthorizer from "./ApiGatewayAuthorizer.js"

/**
 * AWS AppSync direct Lambda resolvers (single and batch) and Lambda authorizers.
 *
 * @since 0.1.0
 */
export * as AppSync from "./AppSync.js"

/**
 * Lambda@Edge viewer and origin request and response events and results.
 *
 * @since 0.1.0
 */
export * as CloudFront from "./CloudFront.js"

/**
 * CloudWatch Logs subscription events, decompressed and decoded.
 *
 * @since 0.1.0
 */
export * as CloudWatchLogs from "./CloudWatchLogs.js"

/**
 * Amazon Cognito user pool triggers.
 *
 * @since 0.1.0
 */
export * as Cognito from "./Cognito.js"

/**
 * Amazon Data Firehose data transformation records in and out.
 *
 * @since 0.1.0
 */
export * as Firehose from "./Firehose.js"

/**
 * Amazon MSK and self-managed Apache Kafka events.
 *
 * @since 0.1.0
 */
export * as Kafka from "./Kafka.js"

/**
 * Amazon SES email receiving events and dispositions.
 *
 * @since 0.1.0
 */
export * as Ses from "./Ses.js"
