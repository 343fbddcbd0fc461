import assert from "node:assert/strict";
import { connect, text, useServer } from "../../helpers/server.ts";

const APP_ID = "0123456789abcdef0123456789abcdef01234567";
// A wrong guess of the same length that shares the first 12 characters.
const WRONG = "0123456789abXXXXXXXXXXXXXXXXXXXXXXXXXXXX";

// Secrets are scrubbed from every message; if a message echoed the caller's input, an exact guess of the
// appId came back as [REDACTED] and a wrong one as itself: the scrubber confirmed the guess.
describe("echoed input is no oracle for secrets (issue 9)", () => {
  const s = useServer({ estat: { appId: APP_ID } });

  const viaExecute = async (args: Record<string, unknown>, tool = "get_stats_data") => {
    const res = await fetch(`${s.srv.base}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tool_name: tool, arguments: args }),
    });
    return ((await res.json()) as { error: string }).error;
  };

  it("answers an exact guess and a wrong one with the same words (filter value, /execute and /mcp)", async () => {
    const args = (guess: string) => ({ statsDataId: "0003445078", filters: { area: guess } });
    const right = await viaExecute(args(APP_ID));
    const wrong = await viaExecute(args(WRONG));
    assert.doesNotMatch(right, /REDACTED/);
    assert.equal(right, wrong);
    assert.match(right, /No class "0123456789ab…" in area/);
    const client = await connect(s.srv.base, "modern");
    const r1 = await client.callTool({ name: "get_stats_data", arguments: args(APP_ID) });
    const r2 = await client.callTool({ name: "get_stats_data", arguments: args(WRONG) });
    await client.close();
    assert.equal(text(r1), text(r2));
    assert.doesNotMatch(text(r1), /REDACTED/);
  });

  it("does the same for a filter key (an argument error) and for a tool name", async () => {
    const key = (guess: string) => ({ statsDataId: "0003445078", filters: { [guess]: "13000" } });
    assert.equal(await viaExecute(key(APP_ID)), await viaExecute(key(WRONG)));
    assert.equal(await viaExecute({}, APP_ID), await viaExecute({}, WRONG));
    assert.doesNotMatch(await viaExecute({}, APP_ID), /REDACTED/);
  });
});
