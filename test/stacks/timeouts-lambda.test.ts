import assert from "node:assert/strict";
import { awsLambdaTimeouts, chainProblems, type TimeoutChain } from "../../stacks/shared/timeouts.ts";
import { changedCopy } from "./harness.ts";

const lambda = () => awsLambdaTimeouts({ functionTimeoutS: 120, apiGateway: true });
const broken = (change: (c: TimeoutChain) => void) => changedCopy(lambda(), change);

describe("timeout chain, aws-lambda (stacks/shared/timeouts.ts)", () => {
  it("computes the hops: the shared tool deadline inside the function's timeout, API Gateway streaming as long", () => {
    assert.deepEqual(lambda(), {
      target: "aws-lambda",
      clientTimeoutS: 180,
      server: {
        estatTimeoutMs: 60_000,
        toolTimeoutMs: 100_000,
        executeTimeoutMs: 100_000,
        sseKeepAliveS: 15,
        keepAliveTimeoutMs: 125_000,
        shutdownGraceMs: 110_000,
      },
      lambda: { functionTimeoutS: 120, integrationTimeoutMs: 120_000, streamIdleTimeoutS: 300 },
      stopTimeoutS: 115,
    });
    // A shorter function timeout pulls the deadline 10 s inside it.
    assert.equal(awsLambdaTimeouts({ functionTimeoutS: 90, apiGateway: true }).server.toolTimeoutMs, 80_000);
    assert.deepEqual(awsLambdaTimeouts({ functionTimeoutS: 900, apiGateway: true }).lambda?.integrationTimeoutMs, 900_000);
    assert.deepEqual(awsLambdaTimeouts({ functionTimeoutS: 120, apiGateway: false }).lambda, {
      functionTimeoutS: 120,
      integrationTimeoutMs: undefined,
      streamIdleTimeoutS: undefined,
    });
  });

  it("holds for every timeout the config accepts (90 to 900 s), both entries", () => {
    for (const functionTimeoutS of [90, 120, 300, 900]) {
      for (const apiGateway of [true, false]) assert.deepEqual(chainProblems(awsLambdaTimeouts({ functionTimeoutS, apiGateway })), []);
    }
  });

  it("refuses a function timeout whose tool deadline would not leave e-Stat its 60 s", () => {
    assert.throws(() => awsLambdaTimeouts({ functionTimeoutS: 65, apiGateway: true }), /the e-Stat timeout must be below the tool deadline/);
  });

  const cases: [string, (c: TimeoutChain) => void, RegExp][] = [
    [
      "a tool deadline at or past the function's timeout (a gateway error while the function bills on)",
      (c) => (c.server.toolTimeoutMs = 120_000),
      /tool deadline \(120000 ms\) must end before the function times out \(120 s\)/,
    ],
    [
      "an integration timeout shorter than the function's",
      (c) => (c.lambda!.integrationTimeoutMs = 29_000),
      /integration timeout \(29000 ms\) must not cut the function \(120 s\) short/,
    ],
    [
      "an integration timeout past what streaming allows",
      (c) => {
        c.lambda!.functionTimeoutS = 1000;
        c.lambda!.integrationTimeoutMs = 1_000_000;
      },
      /API Gateway streams for at most 900000 ms/,
    ],
    [
      "SSE keepalives slower than the stream's idle timeout",
      (c) => (c.server.sseKeepAliveS = 300),
      /SSE keepalives \(every 300 s\) must come within the stream's idle timeout \(300 s\)/,
    ],
  ];
  for (const [what, change, message] of cases) {
    it(`names ${what}`, () => {
      const problems = chainProblems(broken(change));
      assert.ok(problems.some((p) => message.test(p)), problems.join("\n"));
    });
  }
});
