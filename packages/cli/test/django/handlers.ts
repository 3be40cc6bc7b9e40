import { spawnSync } from "node:child_process";
import { awsClients } from "../../src/aws/clients.js";
import {
  deployedEnvironment,
  type HandlerEnvironment,
  type HandlerProcess,
  startHandlerProcess,
} from "../../src/local/index.js";
import { PYTHON } from "./python.js";

/** What a Python command printed (stdout then stderr) and its exit status. */
export interface PythonRun {
  status: number | null;
  out: string;
}

/**
 * Runs the test venv's Python with only PATH, the given PYTHONPATH and `env`: the Django journeys'
 * `django-admin startproject`, `manage.py` commands and scripts see nothing of the test's own
 * environment, as a user's shell would not have moto's settings unless asked.
 */
export function runPython(
  args: string[],
  cwd: string,
  pythonPath: string,
  env: Record<string, string | undefined> = {},
): PythonRun {
  const r = spawnSync(PYTHON, args, {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH, PYTHONPATH: pythonPath, ...env } as NodeJS.ProcessEnv,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The handler modules `pocket django init` wires to the management and wsgi functions. */
const DJANGO_HANDLERS = {
  management: "pocket.django.lambda_handlers.management_command_handler",
  wsgi: "pocket.django.lambda_handlers.wsgi_handler",
} as const;

/**
 * Starts a deployed Django function's handler as Lambda runs it (test venv's Python, the
 * function's environment as read back from moto), in the project folder, like the image's /var/task.
 */
export function startDjangoHandler(
  kind: keyof typeof DJANGO_HANDLERS,
  options: { env: Record<string, string>; cwd: string; functionName: string; timeoutSeconds?: number },
): Promise<HandlerProcess> {
  return startHandlerProcess({
    runtime: "python",
    executable: PYTHON,
    handler: DJANGO_HANDLERS[kind],
    ...options,
  });
}

/** A deployed function's environment as moto's Lambda holds it (what the handler process is given). */
export function deployedFunctionEnvironment(
  functionName: string,
  region: string,
): Promise<HandlerEnvironment> {
  return deployedEnvironment(awsClients(region), functionName);
}
