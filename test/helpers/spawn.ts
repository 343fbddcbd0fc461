/** `node server/main.ts` as a child process, the way `npm start` runs it, for tests about the process itself. */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface Spawned {
  child: ChildProcess;
  base: string;
  /** Every stdout line (pino JSON), as it arrives. */
  stdout: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** On a free port, ready once it logs that it listens. `nodeArgs` go before the script (e.g. --import). */
export async function spawnServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<Spawned> {
  const child = spawn(process.execPath, [...nodeArgs, "server/main.ts"], {
    env: { PATH: process.env.PATH, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const stdout: string[] = [];
  let stderr = "";
  child.stderr?.on("data", (c) => {
    stderr += c;
  });
  const base = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      stdout.push(line);
      const msg = JSON.parse(line) as { event?: string; url?: string };
      if (msg.event === "listening") resolve(msg.url!.replace(/\/mcp$/, ""));
    });
    void exit.then(({ code }) => reject(new Error(`server exited ${code} before listening: ${stderr}`)));
  });
  return { child, base, stdout, exit };
}

/** Polls `check` every 10 ms until it holds, or fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000, what = "a condition") {
  const end = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
