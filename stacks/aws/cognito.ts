import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The server's two scopes (OAUTH_SCOPES' default): reading, and writing the lake (save_dataset). */
export const MCP_SCOPES = ["estat:read", "estat:write"] as const;

/**
 * The MCP clients Cognito can serve, each a pre-registered public app client (Cognito has no dynamic
 * registration and no client ID metadata documents) with the redirect URIs the client uses
 * (docs/oauth.md lists their sources). Clients that sign in on a loopback port chosen at run time
 * (Claude Code, mcp-remote) cannot be registered: Cognito matches callback URLs exactly.
 */
export const COGNITO_CLIENTS: Record<string, string[]> = {
  claude: ["https://claude.ai/api/mcp/auth_callback", "https://claude.com/api/mcp/auth_callback"],
  chatgpt: ["https://chatgpt.com/connector_platform_oauth_redirect"],
  vscode: ["http://127.0.0.1:33418", "https://vscode.dev/redirect"],
  cursor: ["cursor://anysphere.cursor-mcp/oauth/callback"],
  "mcp-inspector": ["http://localhost:6274/oauth/callback"],
};

export interface CognitoAuthArgs {
  /** The resource server's identifier: the endpoint URL (`https://host/mcp`). */
  resource: pulumi.Input<string>;
  /** Hosted domain prefix (`<prefix>.auth.<region>.amazoncognito.com`), unique in the region. */
  domainPrefix: string;
  mfa: "OFF" | "OPTIONAL" | "ON";
  /** Prod: the pool cannot be deleted by accident (its users would be lost). */
  deletionProtection: boolean;
  region: pulumi.Input<string>;
}

/**
 * A Cognito user pool as the MCP server's authorization server: Essentials tier, users invited by the
 * operator (no self sign-up), optional TOTP MFA, a hosted sign-in domain, a resource server whose
 * identifier is the endpoint and whose scopes are ours, and one public PKCE app client per MCP client.
 */
export class CognitoAuth extends pulumi.ComponentResource {
  readonly userPool: aws.cognito.UserPool;
  readonly clients: aws.cognito.UserPoolClient[];
  /** The issuer the server verifies tokens against (OAUTH_ISSUER). */
  readonly issuer: pulumi.Output<string>;
  /** Comma-separated app client ids (OAUTH_CLIENT_IDS). */
  readonly clientIds: pulumi.Output<string>;
  /** The resource server identifier and `/` (OAUTH_SCOPE_PREFIX). */
  readonly scopePrefix: pulumi.Output<string>;
  readonly signInDomain: pulumi.Output<string>;

  constructor(name: string, args: CognitoAuthArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:CognitoAuth", name, {}, opts);
    const self = { parent: this };
    this.userPool = new aws.cognito.UserPool(
      `${name}-pool`,
      {
        userPoolTier: "ESSENTIALS",
        usernameAttributes: ["email"],
        autoVerifiedAttributes: ["email"],
        adminCreateUserConfig: { allowAdminCreateUserOnly: true },
        mfaConfiguration: args.mfa,
        ...(args.mfa === "OFF" ? {} : { softwareTokenMfaConfiguration: { enabled: true } }),
        passwordPolicy: {
          minimumLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireNumbers: true,
          requireSymbols: false,
          temporaryPasswordValidityDays: 3,
        },
        accountRecoverySetting: { recoveryMechanisms: [{ name: "verified_email", priority: 1 }] },
        deletionProtection: args.deletionProtection ? "ACTIVE" : "INACTIVE",
      },
      { ...self, protect: args.deletionProtection },
    );
    const domain = new aws.cognito.UserPoolDomain(
      `${name}-domain`,
      { domain: args.domainPrefix, userPoolId: this.userPool.id, managedLoginVersion: 2 },
      self,
    );
    const server = new aws.cognito.ResourceServer(
      `${name}-resource`,
      {
        identifier: args.resource,
        name: "estat-mcp",
        userPoolId: this.userPool.id,
        scopes: [
          { scopeName: MCP_SCOPES[0], scopeDescription: "Read e-Stat and the data lake" },
          { scopeName: MCP_SCOPES[1], scopeDescription: "Save datasets into the data lake" },
        ],
      },
      self,
    );
    const scopes = pulumi.output(args.resource).apply((r) => MCP_SCOPES.map((s) => `${r}/${s}`));
    this.clients = Object.entries(COGNITO_CLIENTS).map(
      ([client, callbackUrls]) =>
        new aws.cognito.UserPoolClient(
          `${name}-${client}`,
          {
            name: client,
            userPoolId: this.userPool.id,
            // Public clients: PKCE, no secret (a secret in a desktop or web client is no secret).
            generateSecret: false,
            allowedOauthFlowsUserPoolClient: true,
            allowedOauthFlows: ["code"],
            allowedOauthScopes: scopes.apply((s) => ["openid", "email", ...s]),
            callbackUrls,
            supportedIdentityProviders: ["COGNITO"],
            preventUserExistenceErrors: "ENABLED",
            enableTokenRevocation: true,
            accessTokenValidity: 60,
            idTokenValidity: 60,
            refreshTokenValidity: 30,
            tokenValidityUnits: { accessToken: "minutes", idToken: "minutes", refreshToken: "days" },
          },
          // The scopes must exist on the resource server before a client may be granted them.
          { ...self, dependsOn: [server] },
        ),
    );
    this.issuer = pulumi.interpolate`https://cognito-idp.${args.region}.amazonaws.com/${this.userPool.id}`;
    this.clientIds = pulumi.all(this.clients.map((c) => c.id)).apply((ids) => ids.join(","));
    this.scopePrefix = pulumi.interpolate`${server.identifier}/`;
    this.signInDomain = pulumi.interpolate`https://${domain.domain}.auth.${args.region}.amazoncognito.com`;
    this.registerOutputs({ issuer: this.issuer, clientIds: this.clientIds });
  }
}
