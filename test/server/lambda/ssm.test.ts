/**
 * Secrets from SSM at cold start, through the built bundle: the AWS SDK pointed (AWS_ENDPOINT_URL_SSM)
 * at a local HTTP endpoint that answers GetParameters as AWS documents it (awsJson1_1: POST /,
 * X-Amz-Target: AmazonSSM.GetParameters, {"Parameters": [...], "InvalidParameters": [...]}).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeEstat } from "../../helpers/fake-estat.ts";
import { installAwslambda, lambdaFetch } from "../../helpers/lambda-runtime.ts";
import { modernToolCall } from "../../helpers/mcp-wire.ts";
import { loadBundledHandler } from "./bundle.ts";

interface SsmCall {
  target: string | undefined;
  authorization: string | undefined;
  body: { Names: string[]; WithDecryption?: boolean };
}

class FakeSsm {
  readonly calls: SsmCall[] = [];
  readonly values = new Map<string, string>();
  denied = false;
  #server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const body = JSON.parse(raw) as SsmCall["body"];
      this.calls.push({ target: req.headers["x-amz-target"] as string, authorization: req.headers.authorization, body });
      if (this.denied) {
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ __type: "AccessDeniedException", message: "User is not authorized to perform: ssm:GetParameters" }));
        return;
      }
      const found = body.Names.filter((n) => this.values.has(n));
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(
        JSON.stringify({
          InvalidParameters: body.Names.filter((n) => !this.values.has(n)),
          Parameters: found.map((Name) => ({
            ARN: `arn:aws:ssm:ap-northeast-1:123456789012:parameter${Name}`,
            DataType: "text",
            LastModifiedDate: 1764547200,
            Name,
            Type: "SecureString",
            Value: body.WithDecryption ? this.values.get(Name) : "AQICAHencrypted==",
            Version: 1,
          })),
        }),
      );
    });
  });
  async listen() {
    this.#server.listen(0, "127.0.0.1");
    await once(this.#server, "listening");
    return this;
  }
  get url() {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }
  close() {
    this.#server.closeAllConnections();
    return new Promise<void>((r) => this.#server.close(() => r()));
  }
}

const KEY = "ssm-key-0123456789abcdef";
const ORIGIN = "https://fn0123.lambda-url.ap-northeast-1.on.aws";
const APP_ID_PARAM = "/estat-mcp/lambda-dev/estat-app-id";
const KEYS_PARAM = "/estat-mcp/lambda-dev/mcp-api-keys";

describe("SSM parameters at cold start (dist/server/lambda.mjs)", function () {
  this.timeout(30_000);
  let ssm: FakeSsm;
  let fake: FakeEstat;
  const env = () => ({
    AWS_REGION: "ap-northeast-1",
    AWS_ACCESS_KEY_ID: "AKIAFAKEFORTESTS0001",
    AWS_SECRET_ACCESS_KEY: "fake-secret-for-the-local-endpoint",
    AWS_SESSION_TOKEN: "fake-session-token",
    AWS_ENDPOINT_URL_SSM: ssm.url,
    ESTAT_API_URL: fake.url,
    ESTAT_APP_ID_SSM_PARAMETER: APP_ID_PARAM,
    MCP_API_KEYS_SSM_PARAMETER: KEYS_PARAM,
    DATA_LAKE: "file:///tmp/estat-lambda-ssm-lake",
  });
  before(async () => {
    installAwslambda();
    ssm = await new FakeSsm().listen();
    fake = await new FakeEstat().listen();
  });
  after(async () => {
    await ssm.close();
    await fake.close();
  });
  beforeEach(() => {
    ssm.calls.length = 0;
    ssm.values.clear();
    ssm.denied = false;
    fake.reset();
  });

  it("reads both parameters once, decrypted and signed, and serves with their values", async () => {
    ssm.values.set(APP_ID_PARAM, fake.appId);
    ssm.values.set(KEYS_PARAM, KEY);
    const handler = await loadBundledHandler(env());
    assert.equal(ssm.calls.length, 1);
    const [call] = ssm.calls;
    assert.equal(call.target, "AmazonSSM.GetParameters");
    assert.deepEqual(call.body, { Names: [APP_ID_PARAM, KEYS_PARAM], WithDecryption: true });
    assert.match(call.authorization ?? "", /^AWS4-HMAC-SHA256 Credential=AKIAFAKEFORTESTS0001\/\d{8}\/ap-northeast-1\/ssm\/aws4_request/);

    const f = lambdaFetch(handler, "functionUrl");
    for (const query of ["人口", "世帯"]) {
      const res = await f(`${ORIGIN}/mcp`, modernToolCall("search_stats", { query }, { headers: { "x-api-key": KEY } }));
      assert.equal(res.status, 200);
      const raw = await res.text();
      const body = JSON.parse(raw.startsWith("{") ? raw : (raw.split("data: ").at(-1) ?? ""));
      assert.equal(body.result.structuredContent.total, 55);
    }
    assert.equal(fake.callsTo("getStatsList")[0]?.params.appId, fake.appId, "the appId from SSM reached e-Stat");
    assert.equal(ssm.calls.length, 1, "no SSM call per request");
    const refused = await f(`${ORIGIN}/mcp`, modernToolCall("search_stats", { query: "x" }, { headers: { "x-api-key": "wrong-key-0123456789" } }));
    assert.equal(refused.status, 403);
    await refused.text();
  });

  it("fails the cold start naming a missing parameter and the variable it feeds, without secrets", async () => {
    ssm.values.set(KEYS_PARAM, KEY);
    await assert.rejects(loadBundledHandler(env()), (err: Error) => {
      assert.equal(err.name, "ConfigError");
      assert.equal(
        err.message,
        `estat-mcp-cloud cannot start: SSM parameter ${APP_ID_PARAM} (for ESTAT_APP_ID) does not exist in this account and region; ` +
          `create it with \`aws ssm put-parameter --type SecureString --name ${APP_ID_PARAM} --value …\` or set ESTAT_APP_ID_SSM_PARAMETER to the right name.`,
      );
      assert.doesNotMatch(err.message, new RegExp(KEY));
      assert.doesNotMatch(err.stack ?? "", /\n\s+at /, "no stack trace");
      return true;
    });
  });

  it("fails the cold start with what the role needs when SSM refuses", async () => {
    ssm.denied = true;
    await assert.rejects(loadBundledHandler(env()), (err: Error) => {
      assert.match(err.message, /^estat-mcp-cloud cannot start: could not read the SSM parameters /);
      assert.match(err.message, /AccessDeniedException/);
      assert.match(err.message, /ssm:GetParameters on them and kms:Decrypt through SSM/);
      return true;
    });
  });

  it("puts the values through the same parseEnv: a bad key from SSM is refused like one from the environment", async () => {
    ssm.values.set(APP_ID_PARAM, fake.appId);
    ssm.values.set(KEYS_PARAM, "short");
    await assert.rejects(loadBundledHandler(env()), (err: Error) => {
      assert.match(err.message, /^estat-mcp-cloud cannot start: MCP_API_KEYS: every key must be at least 16 URL-safe characters/);
      assert.doesNotMatch(err.message, /short/);
      return true;
    });
  });

  it("refuses an _SSM_PARAMETER variable for something the server does not read", async () => {
    await assert.rejects(loadBundledHandler({ ...env(), ESTAT_APPID_SSM_PARAMETER: "/x" }), (err: Error) => {
      assert.match(err.message, /ESTAT_APPID_SSM_PARAMETER: no such variable to read from SSM/);
      return true;
    });
    assert.equal(ssm.calls.length, 0);
  });
});
