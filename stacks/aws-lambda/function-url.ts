import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface FunctionUrlEntryArgs {
  functionName: pulumi.Input<string>;
  aliasName: pulumi.Input<string>;
}

/**
 * A Function URL on the `live` alias in RESPONSE_STREAM mode: the cheapest entry. Anyone may invoke it
 * (authorizationType NONE): the app's API keys decide who is served. What it lacks next to API Gateway:
 * no throttling beyond reserved concurrency, no WAF (unless CloudFront is put in front), no custom domain.
 */
export class FunctionUrlEntry extends pulumi.ComponentResource {
  readonly url: aws.lambda.FunctionUrl;
  readonly host: pulumi.Output<string>;
  readonly baseUrl: pulumi.Output<string>;

  constructor(name: string, args: FunctionUrlEntryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:FunctionUrlEntry", name, {}, opts);
    const self = { parent: this };
    this.url = new aws.lambda.FunctionUrl(
      `${name}-url`,
      { functionName: args.functionName, qualifier: args.aliasName, authorizationType: "NONE", invokeMode: "RESPONSE_STREAM" },
      self,
    );
    // Since October 2025 a public URL needs both permissions: InvokeFunctionUrl, and InvokeFunction
    // through the URL only.
    new aws.lambda.Permission(
      `${name}-public-url`,
      {
        action: "lambda:InvokeFunctionUrl",
        function: args.functionName,
        qualifier: args.aliasName,
        principal: "*",
        functionUrlAuthType: "NONE",
      },
      self,
    );
    new aws.lambda.Permission(
      `${name}-public-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: args.functionName,
        qualifier: args.aliasName,
        principal: "*",
        invokedViaFunctionUrl: true,
      },
      self,
    );
    this.baseUrl = this.url.functionUrl.apply((u) => u.replace(/\/+$/, ""));
    this.host = this.baseUrl.apply((u) => new URL(u).host);
    this.registerOutputs({ baseUrl: this.baseUrl });
  }
}
