import assert from "node:assert/strict";
import {
  awsFargateTimeouts,
  chainProblems,
  checkedChain,
  type TimeoutChain,
} from "../../stacks/shared/timeouts.ts";

const fargate = () => awsFargateTimeouts({ cdn: true });
/** A copy of a chain with some hops changed. */
const broken = (change: (c: TimeoutChain) => void): TimeoutChain => {
  const c = structuredClone(fargate());
  change(c);
  return c;
};

describe("timeout chain (stacks/shared/timeouts.ts)", () => {
  it("holds for aws-fargate with and without CloudFront", () => {
    assert.deepEqual(chainProblems(awsFargateTimeouts({ cdn: true })), []);
    assert.deepEqual(chainProblems(awsFargateTimeouts({ cdn: false })), []);
    assert.equal(awsFargateTimeouts({ cdn: false }).cdn, undefined);
  });

  it("computes aws-fargate's hops", () => {
    assert.deepEqual(fargate(), {
      target: "aws-fargate",
      server: {
        estatTimeoutMs: 60_000,
        toolTimeoutMs: 120_000,
        sseKeepAliveS: 15,
        keepAliveTimeoutMs: 125_000,
        shutdownGraceMs: 25_000,
      },
      cdn: { originReadTimeoutS: 60, originKeepaliveS: 60 },
      loadBalancer: { idleTimeoutS: 120, deregistrationDelayS: 40 },
      stopTimeoutS: 30,
    });
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
      "a load balancer idle timeout shorter than a silent e-Stat call",
      (c) => (c.loadBalancer!.idleTimeoutS = 50),
      /load balancer's idle timeout \(50 s\) must outlast a silent e-Stat call/,
    ],
    [
      "a grace that runs past SIGKILL",
      (c) => (c.server.shutdownGraceMs = 30_000),
      /grace \(30000 ms\) must end before SIGKILL \(stop timeout 30 s\)/,
    ],
    [
      "a drain (deregistration + grace) shorter than an e-Stat call",
      (c) => (c.loadBalancer!.deregistrationDelayS = 30),
      /deregistration \(30 s\) \+ grace \(25000 ms\) must drain a full e-Stat call \(60000 ms\)/,
    ],
    [
      "an e-Stat timeout at or above the tool deadline",
      (c) => (c.server.estatTimeoutMs = 120_000),
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
