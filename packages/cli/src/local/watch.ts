import { type FSWatcher, readdirSync, statSync, watch } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";

/**
 * Source changes for `pocket dev`: one recursive fs.watch on the project folder, changes
 * collected for `delayMs` and reported together (an editor's save or a build writes several
 * files at once, and one restart is enough).
 */
export interface WatchOptions {
  /** Folder names never watched anywhere in the tree. */
  ignoreDirs?: string[];
  /** Absolute folders not watched (storage folders, SPA build folders: served fresh per request). */
  ignorePaths?: string[];
  delayMs?: number;
}

/** Folders that change without a source change (dependencies, VCS, caches, build output). */
export const DEFAULT_IGNORED_DIRS = [
  "node_modules",
  ".git",
  "dist",
  "__pycache__",
  ".venv",
  "venv",
  ".pytest_cache",
  ".mypy_cache",
  ".ruff_cache",
  ".pocket",
];

/** Files an app writes while it runs (a SQLite database, logs, bytecode). */
const IGNORED_FILE = /(\.pyc|\.sqlite3(-journal|-wal|-shm)?|\.db(-journal)?|\.log|~|\.swp|\.tmp)$/;

/**
 * What a handler process loads: code, and the data files frameworks read once at import
 * (JSON, Django templates, compiled translations). Anything else (an upload, a log, a database)
 * is the app's own output and must not restart it.
 */
const SOURCE_FILE = /\.(py|js|mjs|cjs|ts|mts|cts|tsx|jsx|json|html|mo)$/;

/** Whether a changed path (relative to the watched folder) matters. */
export function isWatched(rel: string, root: string, options: WatchOptions = {}): boolean {
  if (rel === ".env") return true;
  if (rel === "" || IGNORED_FILE.test(rel) || !SOURCE_FILE.test(rel)) return false;
  const dirs = new Set(options.ignoreDirs ?? DEFAULT_IGNORED_DIRS);
  const parts = rel.split(/[\\/]/);
  if (parts.some((p) => dirs.has(p))) return false;
  if (parts[parts.length - 1]?.startsWith(".#")) return false;
  const abs = resolve(root, rel);
  for (const p of options.ignorePaths ?? []) {
    const r = relative(p, abs);
    if (r === "" || (!r.startsWith("..") && !isAbsolute(r))) return false;
  }
  return true;
}

export function watchSources(
  root: string,
  onChange: (changed: string[]) => void,
  options: WatchOptions = {},
): { close(): void } {
  const delay = options.delayMs ?? 150;
  const ignoredDirs = new Set(options.ignoreDirs ?? DEFAULT_IGNORED_DIRS);
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const report = (rel: string) => {
    if (!isWatched(rel, root, options)) return;
    pending.add(rel);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const changed = [...pending].sort();
      pending = new Set();
      onChange(changed);
    }, delay);
  };
  const watchers = new Map<string, FSWatcher>();
  const add = (name: string, recursive: boolean) => {
    const path = name === "" ? root : join(root, name);
    try {
      const w = watch(path, { recursive }, (_event, file) => {
        if (!file) return;
        const rel = [name, String(file)].filter(Boolean).join("/").split(sep).join("/");
        report(rel);
        // A folder created at the top after the start gets its own watcher.
        if (name === "") watchFolder(String(file));
      });
      // A watched folder that disappears (a checkout switching branches) must not end pocket dev.
      w.on("error", () => {
        w.close();
        watchers.delete(name);
      });
      watchers.set(name, w);
    } catch {
      // Gone between listing and watching: nothing to watch.
    }
  };
  // Each top-level folder is watched on its own, so ignored trees (node_modules, .venv: tens of
  // thousands of folders) are never walked; a recursive watch of the root would register them all.
  const watchFolder = (name: string) => {
    if (watchers.has(name) || ignoredDirs.has(name) || name.includes("/") || name.includes(sep)) return;
    try {
      if (!statSync(join(root, name)).isDirectory()) return;
    } catch {
      return;
    }
    if (options.ignorePaths?.some((p) => resolve(p) === resolve(root, name))) return;
    add(name, true);
  };
  add("", false);
  for (const entry of readdirSync(root)) watchFolder(entry);
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
