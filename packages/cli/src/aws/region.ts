import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The region of the AWS profile in use (AWS_REGION, AWS_DEFAULT_REGION, then the profile's
 * `region` in ~/.aws/config), else undefined.
 */
export function profileRegion(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  const file = env.AWS_CONFIG_FILE || join(homedir(), ".aws", "config");
  if (!existsSync(file)) return undefined;
  const profile = env.AWS_PROFILE || "default";
  const wanted = profile === "default" ? ["default", "profile default"] : [`profile ${profile}`];
  let inSection = false;
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    const section = /^\[(.+)\]$/.exec(line);
    if (section) inSection = wanted.includes(section[1]!.trim());
    else if (inSection) {
      const m = /^region\s*=\s*(\S+)/.exec(line);
      if (m) return m[1];
    }
  }
  return undefined;
}

export const DEFAULT_REGION = "ap-northeast-1";
