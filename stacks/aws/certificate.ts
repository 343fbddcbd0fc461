import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface CustomDomain {
  domainName: string;
  hostedZoneId: string;
}

/**
 * An ACM certificate for `domain`, validated by a DNS record in its Route 53 zone. Returns the ARN once
 * validated (what a listener or a distribution may use).
 */
export function dnsValidatedCertificate(
  name: string,
  domain: CustomDomain,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const self = { parent };
  const cert = new aws.acm.Certificate(
    `${name}-cert`,
    { domainName: domain.domainName, validationMethod: "DNS" },
    { ...self, deleteBeforeReplace: true },
  );
  const option = cert.domainValidationOptions[0];
  const record = new aws.route53.Record(
    `${name}-cert-validation`,
    {
      zoneId: domain.hostedZoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 300,
      allowOverwrite: true,
    },
    self,
  );
  return new aws.acm.CertificateValidation(
    `${name}-cert-validated`,
    { certificateArn: cert.arn, validationRecordFqdns: [record.fqdn] },
    self,
  ).certificateArn;
}
