import assert from "node:assert/strict";
import {
  awsFargateTimeouts,
  chainProblems,
  checkedChain,
  type TimeoutChain,
} from "../../stacks/shared/timeouts.ts";
import { changedCopy } from "./harness.ts";

const fargate = () => awsFargateTimeouts({ cdn: true });
/** A copy of a chain with some hops changed. */
const broken = (change: (c: TimeoutChain) => void) => changedCopy(fargate(), change);

describe("timeout chain (stacks/shared/timeouts.ts)", () => {
  it("holds for aws-fargate with and without CloudFront", () => {
    assert.deepEqual(chainProblems(awsFargateTimeouts({ cdn: true })), []);
    assert.deepEqual(chainProblems(awsFargateTimeouts({ cdn: false })), []);
    assert.equal(awsFargateTimeouts({ cdn: false }).cdn, undefined);
  });

  it("computes aws-fargate's hops", () => {
    assert.deepEqual(fargate(), {
      target: "aws-fargate",
      clientTimeoutS: 180,
      server: {
        estatTimeoutMs: 60_000,
        toolTimeoutMs: 100_000,
        executeTimeoutMs: 55_000,
        sseKeepAliveS: 15,
        keepAliveTimeoutMs: 125_000,
        shutdownGraceMs: 110_000,
      },
      cdn: { originReadTimeoutS: 60, originKeepaliveS: 60 },
      loadBalancer: { idleTimeoutS: 120, deregistrationDelayS: 105 },
      stopTimeoutS: 120,
      maxStopTimeoutS: 120,
    });
    // Without CloudFront only the ALB's 120 s idle timeout bounds a silent answer: /execute keeps the deadline.
    assert.equal(awsFargateTimeouts({ cdn: false }).server.executeTimeoutMs, 100_000);
  });

  it("rejects the drain window issue 8 found: deregistration 40 s + grace 25 s against a 120 s tool deadline", () => {
    const old = broken((c) => {
      c.server.toolTimeoutMs = 120_000;
      c.server.shutdownGraceMs = 25_000;
      c.loadBalancer!.deregistrationDelayS = 40;
      c.stopTimeoutS = 30;
    });
    assert.deepEqual(
      chainProblems(old).filter((p) => /must let a whole call finish/.test(p)),
      [
        "aws-fargate: the server's grace (25000 ms) must let a whole call finish (tool deadline 120000 ms + 5000 ms)",
        "aws-fargate: deregistration (40 s) must let a whole call finish (tool deadline 120000 ms + 5000 ms)",
      ],
    );
  });

  const cases: [string, (c: TimeoutChain) => void, RegExp][] = [
    [
      "a server keep-alive at or below the load balancer's idle timeout (502s on reused sockets)",
      (c) => (c.server.keepAliveTimeoutMs = 120_000),
      /server's keep-alive \(120000 ms\) must outlast the load balancer's idle timeout \(120 s\)/,
    ],
    [
      "a CDN that keeps idle origin connections longer than the load balancer",
      (c) => (c.cdn!.originKeepaliveS = 120),
      /CDN must drop idle origin connections \(120 s\) before the load balancer does \(120 s\)/,
    ],
    [
      "SSE keepalives slower than the CDN's origin read timeout",
      (c) => (c.server.sseKeepAliveS = 60),
      /SSE keepalives \(every 60 s\) must arrive within the CDN's origin read timeout \(60 s\)/,
    ],
    [
      "a load balancer idle timeout shorter than a call silent until its answer",
      (c) => (c.loadBalancer!.idleTimeoutS = 100),
      /load balancer's idle timeout \(100 s\) must outlast a call silent until its answer \(tool deadline 100000 ms\)/,
    ],
    [
      "a grace that runs past SIGKILL",
      (c) => (c.server.shutdownGraceMs = 116_000),
      /grace \(116000 ms\) must end before SIGKILL \(stop timeout 120 s, 5000 ms to exit\)/,
    ],
    [
      "a grace shorter than a call (Spot sends SIGTERM while calls run)",
      (c) => (c.server.shutdownGraceMs = 100_000),
      /grace \(100000 ms\) must let a whole call finish \(tool deadline 100000 ms \+ 5000 ms\)/,
    ],
    [
      "a deregistration delay shorter than a call (deployments, scale-in)",
      (c) => (c.loadBalancer!.deregistrationDelayS = 100),
      /deregistration \(100 s\) must let a whole call finish/,
    ],
    [
      "a stop timeout above Fargate's 120 s",
      (c) => (c.stopTimeoutS = 150),
      /stop timeout \(150 s\) is above what the platform allows \(120 s\)/,
    ],
    [
      "an /execute deadline at CloudFront's origin read timeout (its own 504 page)",
      (c) => (c.server.executeTimeoutMs = 60_000),
      /the \/execute deadline \(60000 ms\) must answer before the CDN's origin read timeout \(60 s\)/,
    ],
    [
      "an /execute deadline above the tool deadline",
      (c) => (c.server.executeTimeoutMs = 101_000),
      /the \/execute deadline \(101000 ms\) must not exceed the tool deadline/,
    ],
    [
      "clients that give up before the tool deadline",
      (c) => (c.clientTimeoutS = 100),
      /the clients' timeout \(100 s\) must outlast the tool deadline \(100000 ms\)/,
    ],
    [
      "an e-Stat timeout at or above the tool deadline",
      (c) => (c.server.estatTimeoutMs = 100_000),
      /e-Stat timeout must be below the tool deadline/,
    ],
  ];
  for (const [what, change, message] of cases) {
    it(`catches ${what}`, () => {
      const problems = chainProblems(broken(change));
      assert.ok(problems.some((p) => message.test(p)), problems.join("\n"));
      assert.throws(() => checkedChain(broken(change)), /^Error: Inconsistent timeouts:\n {2}- aws-fargate: /);
    });
  }
});
