import { loadConfig } from "./stacks/config.ts";
import { deployTarget } from "./stacks/targets.ts";

export const {
  endpoint,
  healthUrl,
  apiKey,
  clientConfigs,
  dataLakeUrl,
  logsUrl,
  dashboardUrl,
  signInUrl,
  dataLakeBucket,
  imageUri,
  logGroupName,
} = deployTarget(loadConfig());
