import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { ConfigError, parseEnv } from "../../server/config.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The ConfigError message parseEnv throws for `env`. */
function problems(env: Record<string, string>): string {
  try {
    parseEnv(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
  assert.fail("parseEnv accepted it");
}

/** Runs `node server/main.ts` with `env` until it exits. */
async function runServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ["server/main.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_LAKE: "file:///tmp/estat-config-test", ...env },
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const [code] = await once(child, "exit");
  return { code, stderr };
}

describe("parseEnv: bad variables (server/config.ts)", () => {
  it("lists every bad variable at once, each with what it accepts (issue 10: PORT hid DATA_LAKE)", () => {
    assert.equal(
      problems({ PORT: "abc", DATA_LAKE: "ftp://x", LOG_LEVEL: "loud" }),
      [
        'PORT: expected a whole number from 0 to 65535, got "abc"',
        'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
        'DATA_LAKE: expected s3://bucket/prefix or file://path, got "ftp://x"',
      ].join("\n"),
    );
  });

  it("refuses an empty PORT instead of listening on a random port", () => {
    assert.equal(problems({ PORT: "" }), "PORT: expected a whole number from 0 to 65535, got an empty value");
    assert.equal(problems({ PORT: "8080.5" }), 'PORT: expected a whole number from 0 to 65535, got "8080.5"');
    assert.equal(parseEnv({ PORT: "0" }).port, 0);
    assert.equal(parseEnv({}).port, 8080);
  });

  it("names ranges for the other numbers and accepts fractions only where they make sense", () => {
    assert.equal(problems({ ESTAT_RETRIES: "9" }), 'ESTAT_RETRIES: expected a whole number from 0 to 5, got "9"');
    assert.equal(problems({ TOOL_TIMEOUT_MS: "0" }), 'TOOL_TIMEOUT_MS: expected a whole number 1 or more, got "0"');
    assert.equal(problems({ CACHE_MAX_MB: "0" }), 'CACHE_MAX_MB: expected a number greater than 0, got "0"');
    assert.equal(parseEnv({ CACHE_MAX_MB: "0.5" }).estat.cacheMaxBytes, 524288);
  });

  it("refuses an empty value for the lake's quotas and queue, /execute's deadline and the OAuth timings, which z.coerce read as 0", () => {
    // LAKE_MAX_MB= and LAKE_MAX_DATASETS= became 0, which means "no limit": a blank line in a .env lifted the quota.
    assert.equal(problems({ LAKE_MAX_MB: "" }), "LAKE_MAX_MB: expected a number 0 or more, got an empty value");
    assert.equal(problems({ LAKE_MAX_DATASETS: " " }), 'LAKE_MAX_DATASETS: expected a whole number 0 or more, got " "');
    assert.equal(problems({ LAKE_QUERY_QUEUE: "" }), "LAKE_QUERY_QUEUE: expected a whole number 0 or more, got an empty value");
    assert.equal(problems({ LAKE_RETIRE_GRACE_SECONDS: "5m" }), 'LAKE_RETIRE_GRACE_SECONDS: expected a whole number 0 or more, got "5m"');
    assert.equal(problems({ EXECUTE_TIMEOUT_MS: "" }), "EXECUTE_TIMEOUT_MS: expected a whole number 1 or more, got an empty value");
    assert.equal(
      problems({ OAUTH_CLOCK_TOLERANCE_SECONDS: "", OAUTH_JWKS_COOLDOWN_SECONDS: "0" }),
      ["OAUTH_CLOCK_TOLERANCE_SECONDS: expected a whole number from 0 to 300, got an empty value", 'OAUTH_JWKS_COOLDOWN_SECONDS: expected a whole number from 1 to 3600, got "0"'].join("\n"),
    );
    // The values that mean something still do: 0 = no quota, fractions of a MB, the defaults.
    assert.equal(parseEnv({ LAKE_MAX_MB: "0", LAKE_MAX_DATASETS: "0" }).lake.maxBytes, undefined);
    assert.equal(parseEnv({ LAKE_MAX_MB: "0.5" }).lake.maxBytes, 524288);
    assert.equal(parseEnv({ LAKE_MAX_DATASETS: "0" }).lake.maxDatasets, undefined);
    assert.equal(parseEnv({}).lake.maxDatasets, 1000);
    assert.equal(parseEnv({ EXECUTE_TIMEOUT_MS: "5000" }).executeTimeoutMs, 5000);
  });

  it("never repeats the value of a secret variable", () => {
    const message = problems({ DOWNLOAD_SIGNING_KEY: "tooshort-secret", PORT: "x" });
    assert.equal(message, 'PORT: expected a whole number from 0 to 65535, got "x"\nDOWNLOAD_SIGNING_KEY: expected at least 16 characters');
  });

  it("reports combinations alongside single variables", () => {
    assert.equal(
      problems({ HOST: "0.0.0.0", PORT: "-1" }).split("\n")[1]?.startsWith("HOST=0.0.0.0 exposes the server beyond this machine"),
      true,
    );
  });
});

describe("node server/main.ts: start-up failures are one line each, never a stack trace", () => {
  it("prints every bad variable and exits 2", async () => {
    const { code, stderr } = await runServer({ PORT: "abc", DATA_LAKE: "ftp://x" });
    assert.equal(code, 2);
    assert.equal(
      stderr,
      "estat-mcp-cloud: 2 problems in the environment:\n" +
        '  - PORT: expected a whole number from 0 to 65535, got "abc"\n' +
        '  - DATA_LAKE: expected s3://bucket/prefix or file://path, got "ftp://x"\n',
    );
  });

  it("says which port is in use and to set PORT (issue 10)", async () => {
    const taken = createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    const port = (taken.address() as { port: number }).port;
    try {
      const { code, stderr } = await runServer({ PORT: String(port), LOG_LEVEL: "silent" });
      assert.equal(code, 1);
      assert.equal(
        stderr,
        `estat-mcp-cloud: port ${port} on 127.0.0.1 is in use; set PORT to a free port (e.g. PORT=${port + 1} npm start).\n`,
      );
    } finally {
      taken.close();
    }
  });
});
