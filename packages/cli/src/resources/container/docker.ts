import { runTool } from "../../util/process.js";

/** True when a Docker engine answers (not only the client being installed). */
export async function dockerEngineAvailable(): Promise<boolean> {
  try {
    const r = await runTool("docker", ["version", "--format", "{{.Server.Version}}"]);
    return r.code === 0 && r.stdout.trim() !== "";
  } catch {
    return false;
  }
}
