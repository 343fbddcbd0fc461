/**
 * The Koa app behind @h4ad/serverless-adapter's response-streaming handler, for API Gateway REST (v1)
 * events and Function URL (v2) events: the wiring server/lambda.ts ships, and bench/parts-floor-lambda.ts
 * measures as one of the parts.
 */
import { ServerlessAdapter } from "@h4ad/serverless-adapter";
import { ApiGatewayV1Adapter, ApiGatewayV2Adapter } from "@h4ad/serverless-adapter/adapters/aws";
import { KoaFramework } from "@h4ad/serverless-adapter/frameworks/koa";
import { AwsStreamHandler } from "@h4ad/serverless-adapter/handlers/aws";
import { DummyResolver } from "@h4ad/serverless-adapter/resolvers/dummy";
import type Koa from "koa";

export function streamingHandler(app: Koa) {
  return ServerlessAdapter.new(app)
    .setFramework(new KoaFramework())
    .setHandler(new AwsStreamHandler())
    .setResolver(new DummyResolver())
    .addAdapter(new ApiGatewayV1Adapter())
    .addAdapter(new ApiGatewayV2Adapter())
    .build();
}
