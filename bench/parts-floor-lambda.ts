/** bench/parts-app.ts behind the serverless adapter, wired as server/lambda.ts wires the app: Lambda's second floor. */
import { ServerlessAdapter } from "@h4ad/serverless-adapter";
import { ApiGatewayV1Adapter, ApiGatewayV2Adapter } from "@h4ad/serverless-adapter/adapters/aws";
import { KoaFramework } from "@h4ad/serverless-adapter/frameworks/koa";
import { AwsStreamHandler } from "@h4ad/serverless-adapter/handlers/aws";
import { DummyResolver } from "@h4ad/serverless-adapter/resolvers/dummy";
import { partsApp } from "./parts-app.ts";

export const handler = ServerlessAdapter.new(partsApp())
  .setFramework(new KoaFramework())
  .setHandler(new AwsStreamHandler())
  .setResolver(new DummyResolver())
  .addAdapter(new ApiGatewayV1Adapter())
  .addAdapter(new ApiGatewayV2Adapter())
  .build();
