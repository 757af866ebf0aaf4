import type { IVSCodeStatus, Trans } from '../tokens';

/** Like nullTranslator's bundle: %1, %2, ... replaced by the arguments. */
export const trans: Trans = {
  __: (msgid: string, ...args: unknown[]) =>
    msgid.replace(/%(\d+)/g, (m, n) =>
      Number(n) <= args.length ? String(args[Number(n) - 1]) : m
    )
};

/** Marks every translated string, to prove a text went through the translator. */
export const marked: Trans = {
  __: (msgid: string, ...args: unknown[]) => `«${trans.__(msgid, ...args)}»`
};

/** A status as `MisconfiguredSupervisor.status()` sends it, but stopped: every nullable field null. */
export function emptyStatusForTests(): IVSCodeStatus {
  return {
    state: 'stopped',
    pid: null,
    version: null,
    uptime: null,
    transport: null,
    port: null,
    executable: null,
    restarts: 0,
    last_exit_code: null,
    error: null,
    log_file: null,
    idle_seconds: null,
    idle_stops: 0,
    workbench_starting: false,
    healthy: null,
    health_restarts: 0
  };
}
