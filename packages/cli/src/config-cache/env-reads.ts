/** The environment variables a run read, by name, and whether it read or changed the whole of it. */
export interface EnvReads {
  /** Each variable read, with its value at the first read (undefined: unset). */
  read: Map<string, string | undefined>;
  /** The run listed or changed its environment: its answer may depend on any variable. */
  whole: boolean;
}

/**
 * Makes process.env a view of itself that notes every variable read, whoever reads it (the
 * stage, the folder under npx, colours, credentials), so that a cached answer is keyed by exactly
 * the variables its derivation read (docs/decisions.md#p25-config-show-cache).
 */
export function recordEnvReads(): EnvReads {
  const reads: EnvReads = { read: new Map(), whole: false };
  const env = process.env;
  const note = (key: string | symbol): void => {
    if (typeof key === "string" && !reads.read.has(key)) reads.read.set(key, env[key]);
  };
  const whole = (): void => {
    reads.whole = true;
  };
  process.env = new Proxy(env, {
    get(target, key) {
      note(key);
      return Reflect.get(target, key);
    },
    has(target, key) {
      note(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      note(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys(target) {
      whole();
      return Reflect.ownKeys(target);
    },
    set(target, key, value) {
      whole();
      return Reflect.set(target, key, value);
    },
    deleteProperty(target, key) {
      whole();
      return Reflect.deleteProperty(target, key);
    },
    defineProperty(target, key, descriptor) {
      whole();
      return Reflect.defineProperty(target, key, descriptor);
    },
  });
  return reads;
}
