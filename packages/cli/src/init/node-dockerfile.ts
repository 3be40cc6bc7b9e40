/**
 * pocket.Dockerfile for a Node project: the package manager its lockfile names (npm, pnpm or
 * yarn) installs exactly what the lockfile holds, `build` runs when package.json has one, and the
 * image keeps the production dependencies only.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

export type PackageManager = "npm" | "pnpm" | "yarn" | "yarn-berry";

export function packageManagerOf(dir: string): PackageManager {
  if (existsSync(join(dir, "pnpm-lock.yaml"))) return "pnpm";
  if (existsSync(join(dir, "yarn.lock"))) return existsSync(join(dir, ".yarnrc.yml")) ? "yarn-berry" : "yarn";
  return "npm";
}

/** The command that installs the dependencies after `pocket init` changed package.json. */
export function installCommand(pm: PackageManager): string {
  return pm === "npm" ? "npm install" : pm === "pnpm" ? "pnpm install" : "yarn install";
}

interface Steps {
  /** What to copy before the install (the manifest, the lockfile, pocket's carried tarballs). */
  manifests: string[];
  install: string;
  installProduction: string;
  build: string;
  /** Drops the devDependencies after the build; undefined where the manager has no such step. */
  prune?: string;
}

function steps(pm: PackageManager, dir: string): Steps {
  switch (pm) {
    case "pnpm":
      return corepackSteps("pnpm", ["pnpm-lock.yaml"], "--frozen-lockfile", {
        productionFlag: "--prod",
        prune: "pnpm prune --prod",
      });
    case "yarn":
      return corepackSteps("yarn", ["yarn.lock"], "--frozen-lockfile", {
        productionFlag: "--production",
        prune: "yarn install --frozen-lockfile --production --ignore-scripts --prefer-offline",
      });
    case "yarn-berry":
      // Yarn 2+ reads .yarnrc.yml and .yarn/ (its release, plugins) before it installs.
      return corepackSteps(
        "yarn",
        ["yarn.lock", ".yarnrc.yml", ...(existsSync(join(dir, ".yarn")) ? [".yarn/"] : [])],
        "--immutable",
        {},
      );
    default:
      return {
        manifests: ["package*.json"],
        install: "if [ -f package-lock.json ]; then npm ci; else npm install; fi",
        installProduction:
          "if [ -f package-lock.json ]; then npm ci --omit=dev; else npm install --omit=dev; fi",
        build: "npm run build",
        prune: "npm prune --omit=dev",
      };
  }
}

/** A manager that corepack provides: its lockfile(s) beside package.json, an exact install. */
function corepackSteps(
  tool: "pnpm" | "yarn",
  lockfiles: string[],
  exactFlag: string,
  o: { productionFlag?: string; prune?: string },
): Steps {
  const install = `corepack enable && ${tool} install ${exactFlag}`;
  return {
    manifests: ["package.json", ...lockfiles],
    install,
    installProduction: o.productionFlag ? `${install} ${o.productionFlag}` : install,
    build: `${tool} run build`,
    ...(o.prune ? { prune: o.prune } : {}),
  };
}

export interface DockerfileOptions {
  build: boolean;
  /** The handler the image's CMD names (each function overrides it with its own). */
  command: string;
  /** package.json references `.pocket/` tarballs, which must be in place before the install. */
  carried: boolean;
  pm: PackageManager;
  /** The project folder (what it holds decides a few COPY lines). */
  dir: string;
}

export function nodeDockerfile(o: DockerfileOptions): string {
  const s = steps(o.pm, o.dir);
  const files = s.manifests.filter((m) => !m.endsWith("/"));
  const dirs = [...s.manifests.filter((m) => m.endsWith("/")), ...(o.carried ? [".pocket/"] : [])];
  const copyLines = [`COPY ${files.join(" ")} ./`, ...dirs.map((d) => `COPY ${d} ./${d}`)].join("\n");
  if (!o.build) {
    return `# Written by \`pocket init --runtime node\`: the Lambda image of this project.
FROM public.ecr.aws/lambda/nodejs:22
ENV NODE_ENV=production
WORKDIR \${LAMBDA_TASK_ROOT}
${copyLines}
RUN ${s.installProduction}
COPY . .
CMD ["${o.command}"]
`;
  }
  const finish = s.prune ? `${s.build} && ${s.prune}` : s.build;
  return `# Written by \`pocket init --runtime node\`: the Lambda image of this project.
# Stage 1 installs every dependency and runs the build; stage 2 keeps the build output and
# the production dependencies only.
FROM public.ecr.aws/lambda/nodejs:22 AS build
WORKDIR /build
${copyLines}
RUN ${s.install}
COPY . .
RUN ${finish}

FROM public.ecr.aws/lambda/nodejs:22
ENV NODE_ENV=production
COPY --from=build /build/ \${LAMBDA_TASK_ROOT}/
CMD ["${o.command}"]
`;
}
