/**
 * Pure functions: the words shown for a status. No JupyterLab runtime imports,
 * so that jest runs them as they are (src/__tests__/format.spec.ts).
 */
import type { IVSCodeStatus, Trans, VSCodeState } from './tokens';

/** Each state's short human words (literal msgids, for the translation tools). */
const STATE_WORDS: Record<VSCodeState, (trans: Trans) => string> = {
  stopped: t => t.__('stopped'),
  starting: t => t.__('starting…'),
  running: t => t.__('running'),
  stopping: t => t.__('stopping…'),
  failed: t => t.__('failed'),
  missing: t => t.__('not installed'),
  misconfigured: t => t.__('misconfigured')
};

/** Short human words for a state; `null` (or a state unknown here): unavailable. */
export function describeState(state: VSCodeState | null, trans: Trans): string {
  const words: ((trans: Trans) => string) | undefined =
    state === null ? undefined : STATE_WORDS[state];
  return words ? words(trans) : trans.__('unavailable');
}

/** "42 s", "3 min", "2 h". */
export function formatDuration(seconds: number, trans: Trans): string {
  if (seconds < 90) {
    return trans.__('%1 s', Math.round(seconds));
  }
  if (seconds < 5400) {
    return trans.__('%1 min', Math.round(seconds / 60));
  }
  return trans.__('%1 h', Math.round(seconds / 3600));
}

/** One line describing the status, e.g. "VS Code: running (pid 42, code-server 4.99.0, up 3 min)". */
export function statusSummary(
  title: string,
  status: IVSCodeStatus | null,
  trans: Trans
): string {
  if (!status) {
    return trans.__('%1: status unavailable', title);
  }
  const facts: string[] = [];
  if (status.pid !== null && status.state === 'running') {
    facts.push(trans.__('pid %1', status.pid));
  }
  if (status.version) {
    facts.push(trans.__('code-server %1', status.version));
  }
  if (status.uptime !== null && status.state === 'running') {
    facts.push(trans.__('up %1', formatDuration(status.uptime, trans)));
  }
  if (status.shutting_down) {
    facts.push(trans.__('Jupyter is shutting down'));
  } else if (status.held && status.state === 'stopped') {
    facts.push(status.held);
  }
  const state = describeState(status.state, trans);
  return facts.length
    ? trans.__('%1: %2 (%3)', title, state, facts.join(', '))
    : trans.__('%1: %2', title, state);
}

/** The status bar item's tooltip. */
export function statusTooltip(
  title: string,
  status: IVSCodeStatus | null,
  trans: Trans
): string {
  const summary = statusSummary(title, status, trans);
  return status?.state === 'misconfigured'
    ? trans.__('%1: %2 (click for details)', summary, status.error ?? '')
    : trans.__('%1 (click for actions)', summary);
}

/** The log dialog's title. */
export function dialogTitle(
  title: string,
  status: IVSCodeStatus | null,
  trans: Trans
): string {
  switch (status?.state) {
    case 'failed':
      return trans.__('%1 could not start', title);
    case 'misconfigured':
      return trans.__('%1 is misconfigured', title);
    default:
      return trans.__('%1 log', title);
  }
}

/** Whether "Restart" makes sense in this state. */
export function canRestart(state: VSCodeState | null): boolean {
  return (
    state !== 'starting' && state !== 'stopping' && state !== 'misconfigured'
  );
}

/** Whether "Stop" makes sense in this state. */
export function canStop(state: VSCodeState | null): boolean {
  return (
    state !== 'stopped' && state !== 'stopping' && state !== 'misconfigured'
  );
}

/** Whether code-server is (or is about to be) running: listed in the Running panel. */
export function isActive(state: VSCodeState | null): boolean {
  return state === 'running' || state === 'starting' || state === 'stopping';
}
