/**
 * The client side of an OAuth sign-in, for the official SDK client: an OAuthClientProvider that keeps
 * everything in memory and "opens the browser" by following the authorization server's redirects
 * itself (cookies included) until it reaches the redirect URI, keeping the code for finishAuth.
 */
import type { OAuthClientProvider } from "@modelcontextprotocol/client";

type Stored<K extends keyof OAuthClientProvider> = OAuthClientProvider[K] extends (...a: never[]) => infer R
  ? Awaited<R>
  : never;

export class TestOAuthClient implements OAuthClientProvider {
  readonly redirectUri = "http://127.0.0.1:1/callback";
  /** Every authorization URL the SDK sent the "user" to. */
  readonly authorizations: URL[] = [];
  /** Every token set the SDK saved (the first sign-in, then each refresh). */
  readonly savedTokens: NonNullable<Stored<"tokens">>[] = [];
  /** The query the sign-in came back to the redirect URI with (code, state, iss). */
  callback?: URLSearchParams;
  private info?: Stored<"clientInformation">;
  private current?: Stored<"tokens">;
  private verifier = "";

  get redirectUrl() {
    return this.redirectUri;
  }
  get clientMetadata() {
    return {
      client_name: "estat-mcp-cloud test client",
      redirect_uris: [this.redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: NonNullable<Stored<"clientInformation">>) {
    this.info = info;
  }
  tokens() {
    return this.current;
  }
  saveTokens(tokens: NonNullable<Stored<"tokens">>) {
    this.current = tokens;
    this.savedTokens.push(tokens);
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
  async redirectToAuthorization(url: URL) {
    this.authorizations.push(url);
    this.callback = await followToRedirectUri(url, this.redirectUri);
  }
}

/** A browser without a screen: follows 30x answers, keeping cookies, until the redirect URI. */
export async function followToRedirectUri(start: URL, redirectUri: string): Promise<URLSearchParams> {
  const cookies = new Map<string, string>();
  let url = start;
  for (let hop = 0; hop < 20; hop++) {
    if (url.href.startsWith(redirectUri)) {
      if (!url.searchParams.get("code")) throw new Error(`sign-in ended without a code: ${url.search}`);
      return url.searchParams;
    }
    const res = await fetch(url, {
      redirect: "manual",
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair.indexOf("=");
      cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
    const location = res.headers.get("location");
    if (!location) throw new Error(`sign-in stopped at ${url.pathname} with HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
    await res.arrayBuffer().catch(() => {});
    url = new URL(location, url);
  }
  throw new Error("sign-in redirected more than 20 times");
}
