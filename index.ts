import { deployAwsFargate } from "./stacks/aws-fargate.ts";
import { loadConfig } from "./stacks/config.ts";

const config = loadConfig();
const targets = { "aws-fargate": deployAwsFargate };
const out = targets[config.target](config);

export const endpoint = out.endpoint;
export const healthUrl = out.healthUrl;
export const apiKey = out.apiKey;
export const clientConfigs = out.clientConfigs;
export const dataLakeBucket = out.dataLakeBucket;
export const dashboardUrl = out.dashboardUrl;
export const imageUri = out.imageUri;
export const logGroupName = out.logGroupName;
