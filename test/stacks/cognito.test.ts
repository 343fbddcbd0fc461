// auth: cognito (issue 15): the stack creates the authorization server (a Cognito user pool) and the
// server runs as its OAuth resource server; the env goes through the server's own parseEnv.
import assert from "node:assert/strict";
import { parseEnv } from "../../server/config.ts";
import { COGNITO_CLIENTS, MCP_SCOPES } from "../../stacks/aws/cognito.ts";
import { cleanRun, json, ofType, one, type Run, runStack, stackFile } from "./harness.ts";

const ENDPOINT = "https://d111111abcdef8.cloudfront.net/mcp";
/** The stack with auth: cognito; fails when the program reports errors. */
const withCognito = (stack: string, extra: Record<string, string> = {}) =>
  cleanRun(stack, {
    ...stackFile(stack),
    ...(stack === "prod" ? { "estat-mcp:alarmEmail": "ops@example.jp" } : {}),
    "estat-mcp:auth": "cognito",
    "estat-mcp:cognitoDomainPrefix": `estat-mcp-${stack}-example`,
    ...extra,
  });

function taskEnv(run: Run) {
  const [c] = json(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
  return {
    plain: Object.fromEntries(c.environment.map((e: { name: string; value: string }) => [e.name, e.value])) as Record<string, string>,
    secrets: c.secrets.map((s: { name: string }) => s.name) as string[],
  };
}

describe("aws-fargate with auth: cognito (stacks/aws/cognito.ts)", () => {
  let run: Run;
  before(async () => (run = await withCognito("dev")));

  it("creates an Essentials user pool where only the operator creates users, MFA optional with TOTP", () => {
    const pool = one(run, "aws:cognito/userPool:UserPool").inputs;
    assert.equal(pool.userPoolTier, "ESSENTIALS");
    assert.deepEqual(pool.adminCreateUserConfig, { allowAdminCreateUserOnly: true });
    assert.equal(pool.mfaConfiguration, "OPTIONAL");
    assert.deepEqual(pool.softwareTokenMfaConfiguration, { enabled: true });
    assert.deepEqual(pool.usernameAttributes, ["email"]);
    assert.equal(pool.deletionProtection, "INACTIVE");
    assert.equal(one(run, "aws:cognito/userPoolDomain:UserPoolDomain").inputs.domain, "estat-mcp-dev-example");
  });

  it("names the resource server after the endpoint, with the server's two scopes", () => {
    const rs = one(run, "aws:cognito/resourceServer:ResourceServer").inputs;
    assert.equal(rs.identifier, ENDPOINT);
    assert.deepEqual(
      rs.scopes.map((s: { scopeName: string }) => s.scopeName),
      [...MCP_SCOPES],
    );
  });

  it("pre-registers one public PKCE app client per MCP client with its redirect URIs, after the scopes exist", () => {
    const clients = ofType(run, "aws:cognito/userPoolClient:UserPoolClient");
    assert.deepEqual(clients.map((c) => c.inputs.name).sort(), Object.keys(COGNITO_CLIENTS).sort());
    for (const c of clients) {
      const i = c.inputs;
      assert.equal(i.generateSecret, false, i.name);
      assert.deepEqual(i.allowedOauthFlows, ["code"]);
      assert.equal(i.allowedOauthFlowsUserPoolClient, true);
      assert.deepEqual(i.allowedOauthScopes, ["openid", "email", `${ENDPOINT}/estat:read`, `${ENDPOINT}/estat:write`]);
      assert.deepEqual(i.callbackUrls, COGNITO_CLIENTS[i.name]);
      assert.deepEqual(i.supportedIdentityProviders, ["COGNITO"]);
      assert.ok(c.started > one(run, "aws:cognito/resourceServer:ResourceServer").finished, `${i.name} waits for the scopes`);
    }
    assert.deepEqual(COGNITO_CLIENTS.claude, ["https://claude.ai/api/mcp/auth_callback", "https://claude.com/api/mcp/auth_callback"]);
  });

  it("gives the server the pool as its authorization server, and no API keys", () => {
    const { plain, secrets } = taskEnv(run);
    assert.deepEqual(secrets, ["ESTAT_APP_ID"]);
    assert.equal(plain.MCP_AUTH, "oauth");
    assert.equal(plain.PUBLIC_BASE_URL, "https://d111111abcdef8.cloudfront.net");
    assert.equal(plain.OAUTH_ISSUER, "https://cognito-idp.ap-northeast-1.amazonaws.com/estat-mcp-auth-pool-id");
    assert.equal(plain.OAUTH_SCOPE_PREFIX, `${ENDPOINT}/`);
    const ids = ofType(run, "aws:cognito/userPoolClient:UserPoolClient").map((c) => c.id).sort();
    assert.deepEqual(plain.OAUTH_CLIENT_IDS.split(",").sort(), ids);
  });

  it("is an env the server accepts: OAuth mode, Cognito-style (allowed clients, prefixed scopes, no audience)", () => {
    const { plain } = taskEnv(run);
    const c = parseEnv({ ...plain, ESTAT_APP_ID: "placeholder-estat-app-id" });
    assert.equal(c.auth.mode, "oauth");
    const oauth = c.auth.oauth;
    assert.ok(oauth, "the parsed config carries the OAuth settings");
    assert.equal(oauth.issuer, plain.OAUTH_ISSUER);
    assert.equal(oauth.resource, ENDPOINT);
    assert.equal(oauth.audience, undefined);
    assert.deepEqual(oauth.clientIds, plain.OAUTH_CLIENT_IDS.split(","));
  });

  it("exports keyless client configurations and where users sign in", () => {
    assert.doesNotMatch(JSON.stringify(run.outputs.clientConfigs), /X-API-Key/i);
    assert.match(String(run.outputs.apiKey), /^none: this stack signs users in with Cognito at https:\/\/estat-mcp-dev-example\.auth\.ap-northeast-1\.amazoncognito\.com$/);
    assert.equal(run.outputs.signInUrl, "https://estat-mcp-dev-example.auth.ap-northeast-1.amazoncognito.com");
  });

  it("protects the pool in prod (deletion protection and Pulumi protect)", async () => {
    const prod = await withCognito("prod");
    const pool = one(prod, "aws:cognito/userPool:UserPool");
    assert.equal(pool.inputs.deletionProtection, "ACTIVE");
    assert.equal(pool.options.protect, true);
    assert.equal(one(run, "aws:cognito/userPool:UserPool").options.protect, false);
  });

  it("refuses auth cognito without a domain prefix, with the key to set", async () => {
    const r = await runStack("dev", { ...stackFile("dev"), "estat-mcp:auth": "cognito" });
    assert.match(r.errors.join("\n"), /estat-mcp:cognitoDomainPrefix: auth cognito needs the hosted sign-in domain prefix/);
    assert.equal(r.resources.length, 0);
  });

  it("keeps API keys (and no pool) by default", async () => {
    const dev = await runStack("dev");
    assert.equal(ofType(dev, "aws:cognito/userPool:UserPool").length, 0);
    assert.deepEqual(taskEnv(dev).secrets.sort(), ["ESTAT_APP_ID", "MCP_API_KEYS"]);
  });
});
