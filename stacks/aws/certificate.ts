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
  /** Where the certificate lives: CloudFront only takes certificates from us-east-1. */
  region?: string,
): pulumi.Output<string> {
  const self = { parent };
  // Replaced create-before-delete (Pulumi's default): ACM refuses to delete a certificate a listener
  // still uses, so the new one must exist and be attached first. The certificate has no name to clash.
  const cert = new aws.acm.Certificate(
    `${name}-cert`,
    { domainName: domain.domainName, validationMethod: "DNS", region },
    self,
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
    // For the same domain ACM asks for the same CNAME: a create-before-delete replacement would
    // overwrite the record, then delete it with the old resource.
    { ...self, deleteBeforeReplace: true },
  );
  return new aws.acm.CertificateValidation(
    `${name}-cert-validated`,
    { certificateArn: cert.arn, validationRecordFqdns: [record.fqdn], region },
    self,
  ).certificateArn;
}
