/**
 * One cold start, in a fresh process: install the runtime double, import the handler module named in
 * argv[2], answer the tools/list request in argv[3] (JSON: { url, init }) as an API Gateway REST event,
 * print the answer's body on stdout, exit. bench/lambda.ts times the whole process.
 */
import { pathToFileURL } from "node:url";
import { installAwslambda, lambdaFetch } from "../test/helpers/lambda-runtime.ts";

installAwslambda();
const mod = (await import(pathToFileURL(process.argv[2]).href)) as { handler: unknown };
const { url, init } = JSON.parse(process.argv[3]) as { url: string; init: RequestInit };
const res = await lambdaFetch(mod.handler, "apiGateway")(url, init);
process.stdout.write(`${res.status} ${await res.text()}`, () => process.exit(0));
