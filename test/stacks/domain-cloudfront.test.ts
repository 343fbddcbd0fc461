import assert from "node:assert/strict";
import { cleanRun, json, ofType, one, prodWithCloudFrontDomain, refusedConfig, type Run } from "./harness.ts";

describe("aws-fargate target, a domain on CloudFront (prod + domainName/hostedZoneId + domainVia: cloudfront)", () => {
  let run: Run;
  before(async () => (run = await cleanRun("prod", prodWithCloudFrontDomain())));

  it("puts an ACM certificate from us-east-1 on the distribution, TLS 1.2 minimum (issue 8: not the default certificate's TLS 1.0)", () => {
    const cert = one(run, "aws:acm/certificate:Certificate");
    assert.deepEqual(
      [cert.name, cert.inputs.domainName, cert.inputs.validationMethod, cert.inputs.region],
      ["estat-mcp-cdn-cert", "mcp.example.jp", "DNS", "us-east-1"],
    );
    const validated = one(run, "aws:acm/certificateValidation:CertificateValidation");
    assert.equal(validated.inputs.region, "us-east-1");
    const d = one(run, "aws:cloudfront/distribution:Distribution").inputs;
    assert.deepEqual(d.aliases, ["mcp.example.jp"]);
    assert.deepEqual(d.viewerCertificate, {
      acmCertificateArn: cert.state.arn,
      sslSupportMethod: "sni-only",
      minimumProtocolVersion: "TLSv1.2_2021",
    });
    assert.equal(cert.options.deleteBeforeReplace, false);
  });

  it("points the domain at the distribution (A and AAAA aliases), and validates the certificate in the zone", () => {
    const aliases = ofType(run, "aws:route53/record:Record")
      .filter((r) => r.inputs.aliases)
      .map((r) => [r.inputs.type, r.inputs.name, r.inputs.zoneId, r.inputs.aliases]);
    const target = [{ name: "d111111abcdef8.cloudfront.net", zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false }];
    assert.deepEqual(aliases, [
      ["A", "mcp.example.jp", "Z0123456789ABC", target],
      ["AAAA", "mcp.example.jp", "Z0123456789ABC", target],
    ]);
    const validation = one(run, "aws:route53/record:Record", "-cdn-cert-validation").inputs;
    assert.deepEqual([validation.zoneId, validation.type], ["Z0123456789ABC", "CNAME"]);
  });

  it("keeps the ALB internal behind the VPC origin, with CloudFront's WAF scope and two proxy hops", () => {
    const alb = one(run, "aws:lb/loadBalancer:LoadBalancer").inputs;
    assert.equal(alb.internal, true);
    assert.deepEqual(alb.subnets, ["subnet-private-a", "subnet-private-c"]);
    assert.deepEqual(
      ofType(run, "aws:lb/listener:Listener").map((l) => [l.inputs.port, l.inputs.protocol]),
      [[80, "HTTP"]],
    );
    assert.equal(ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").some((r) => r.inputs.cidrIpv4 === "0.0.0.0/0"), false);
    const acl = one(run, "aws:wafv2/webAcl:WebAcl");
    assert.deepEqual([acl.inputs.scope, acl.inputs.region], ["CLOUDFRONT", "us-east-1"]);
    assert.equal(one(run, "aws:cloudfront/distribution:Distribution").inputs.webAclId, acl.state.arn);
    assert.equal(ofType(run, "aws:wafv2/webAclAssociation:WebAclAssociation").length, 0);
    const [c] = json(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
    const env = Object.fromEntries(c.environment.map((e: any) => [e.name, e.value]));
    assert.deepEqual(
      [env.ALLOWED_HOSTS, env.TRUSTED_PROXY_HOPS, env.EXECUTE_TIMEOUT_MS],
      ["mcp.example.jp", "2", "55000"],
    );
    assert.equal(run.outputs.endpoint, "https://mcp.example.jp/mcp");
  });

  it("refuses domainVia: cloudfront without a domain", async () => {
    const message = await refusedConfig("dev", { "estat-mcp:domainVia": "cloudfront" });
    assert.match(message, /estat-mcp:domainVia: cloudfront serves a domain of your own: set domainName and hostedZoneId too/);
  });
});
