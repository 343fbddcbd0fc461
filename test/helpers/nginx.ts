/**
 * Debian's nginx as a test process: the shipped deploy/vps/nginx/nginx.conf with only its paths, ports and
 * upstream address substituted (each substitution must match exactly where expected, so a change to the
 * shipped file cannot silently escape the tests), `nginx -t` first, then `nginx -g 'daemon off;'`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./mcp-wire.ts";

export const SHIPPED_NGINX_CONF = join(import.meta.dirname, "..", "..", "deploy", "vps", "nginx", "nginx.conf");
const NGINX = ["/usr/sbin/nginx", "/usr/local/sbin/nginx"].find((p) => {
  try {
    readFileSync(p);
    return true;
  } catch {
    return false;
  }
});

export interface Nginx {
  dir: string;
  httpPort: number;
  httpsPort: number;
  /** The config nginx runs. */
  conf: string;
  /** The self-signed certificate (PEM) clients must trust for this test. */
  cert: string;
  webroot: string;
  stop(): Promise<void>;
}

/** Replace `from` in `text`, which must occur exactly `times` times (default once). */
export function substitute(text: string, from: string | RegExp, to: string, times = 1): string {
  const re = typeof from === "string" ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g") : from;
  const n = text.match(re)?.length ?? 0;
  if (n !== times) throw new Error(`the shipped nginx.conf has ${n} × ${String(from)}, the test expects ${times}`);
  return text.replace(re, to);
}

/** A self-signed certificate for localhost and 127.0.0.1, made with openssl. */
export function selfSigned(dir: string): { cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, "fullchain.pem");
  const key = join(dir, "privkey.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout", key, "-out", cert,
  ], { stdio: "pipe" });
  return { cert, key };
}

/**
 * The shipped config made runnable here. `edit` may change the result further (a broken variant that
 * must fail a test).
 */
export function localConf(shipped: string, at: { dir: string; httpPort: number; httpsPort: number; upstream: string }): string {
  let c = shipped;
  // Not root-only things: no `user` (the test may run unprivileged), every path inside the test's folder.
  c = substitute(c, /^user nginx;\n/m, "");
  c = substitute(c, "/var/run/nginx.pid", join(at.dir, "nginx.pid"));
  c = substitute(c, "/var/log/nginx/", `${at.dir}/logs/`, 2);
  c = substitute(c, "/var/cache/nginx/", `${at.dir}/temp/`, 5);
  c = substitute(c, "/var/www/certbot", join(at.dir, "webroot"));
  c = substitute(c, "/etc/letsencrypt/live/estat-mcp/", `${at.dir}/cert/`, 2);
  // Ports: loopback only, high ports; no IPv6 listeners.
  c = substitute(c, /^ *listen \[::\]:.*\n/gm, "", 2);
  c = substitute(c, "listen 80;", `listen 127.0.0.1:${at.httpPort};`);
  c = substitute(c, "listen 443 ssl http2;", `listen 127.0.0.1:${at.httpsPort} ssl http2;`);
  c = substitute(c, "server app:8080;", `server ${at.upstream};`);
  return c;
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Starts nginx in front of `upstream` (host:port). `edit` turns the shipped config into a variant. */
export async function startNginx(upstream: string, edit: (conf: string) => string = (c) => c): Promise<Nginx> {
  if (!NGINX) throw new Error("nginx is not installed: apt-get install -y nginx (.ci/run does)");
  const dir = mkdtempSync(join(tmpdir(), "estat-nginx-"));
  // Run as root, nginx's workers drop to `nobody`: they must be able to read the webroot.
  chmodSync(dir, 0o755);
  for (const d of ["logs", "temp", "webroot"]) mkdirSync(join(dir, d), { mode: 0o755 });
  const { cert } = selfSigned(join(dir, "cert"));
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const conf = edit(localConf(readFileSync(SHIPPED_NGINX_CONF, "utf8"), { dir, httpPort, httpsPort, upstream }));
  const confPath = join(dir, "nginx.conf");
  writeFileSync(confPath, conf);
  const args = ["-p", dir, "-e", join(dir, "logs", "error.log"), "-c", confPath];
  try {
    execFileSync(NGINX, [...args, "-t"], { stdio: "pipe" });
  } catch (err) {
    throw new Error(`nginx -t refused the config: ${(err as { stderr?: Buffer }).stderr?.toString()}`, { cause: err });
  }
  const child: ChildProcess = spawn(NGINX, [...args, "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (c) => {
    stderr += c;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const end = performance.now() + 5000;
  while (!((await portOpen(httpsPort)) && (await portOpen(httpPort)))) {
    if (child.exitCode !== null || performance.now() > end) throw new Error(`nginx did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    dir,
    httpPort,
    httpsPort,
    conf,
    cert: readFileSync(cert, "utf8"),
    webroot: join(dir, "webroot"),
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGQUIT");
        const t = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
