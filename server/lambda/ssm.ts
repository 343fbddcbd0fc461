/**
 * Secrets from SSM Parameter Store, read once per cold start with the AWS SDK (GetParameters, decrypted).
 * The SDK finds the region, the credentials and any endpoint override (AWS_ENDPOINT_URL_SSM) the usual way.
 */
import { ConfigError } from "../config.ts";

/** At most 10 names per GetParameters call (the API's limit). */
const BATCH = 10;

/**
 * Reads `names` (variable → parameter name) and answers variable → value. A parameter that does not
 * exist, or that this role may not read, fails with a message naming it and the variable it feeds.
 */
export async function readSsmParameters(names: Record<string, string>): Promise<Record<string, string>> {
  const entries = Object.entries(names);
  if (entries.length === 0) return {};
  const { SSMClient, GetParametersCommand } = await import("@aws-sdk/client-ssm");
  const client = new SSMClient({ maxAttempts: 3 });
  const values = new Map<string, string>();
  const invalid: string[] = [];
  try {
    const unique = [...new Set(entries.map(([, name]) => name))];
    for (let i = 0; i < unique.length; i += BATCH) {
      const out = await client
        .send(new GetParametersCommand({ Names: unique.slice(i, i + BATCH), WithDecryption: true }))
        .catch((err: Error & { name?: string }) => {
          throw new ConfigError(
            `could not read the SSM parameters ${unique.join(", ")} (${err.name ?? "Error"}: ${err.message}). ` +
              "Check that the function's role allows ssm:GetParameters on them and kms:Decrypt through SSM.",
          );
        });
      for (const p of out.Parameters ?? []) if (p.Name && p.Value !== undefined) values.set(p.Name, p.Value);
      invalid.push(...(out.InvalidParameters ?? []));
    }
  } finally {
    client.destroy();
  }
  const missing = entries.filter(([, name]) => invalid.includes(name) || !values.has(name));
  if (missing.length > 0) {
    throw new ConfigError(
      missing
        .map(
          ([key, name]) =>
            `SSM parameter ${name} (for ${key}) does not exist in this account and region; create it with ` +
            `\`aws ssm put-parameter --type SecureString --name ${name} --value …\` or set ${key}_SSM_PARAMETER to the right name.`,
        )
        .join("\n"),
    );
  }
  return Object.fromEntries(entries.map(([key, name]) => [key, values.get(name) as string]));
}
