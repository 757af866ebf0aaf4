/**
 * Pure functions: the words shown for a status. No JupyterLab runtime imports,
 * so that jest runs them as they are (src/__tests__/format.spec.ts).
 */
import type { IVSCodeStatus, Trans, VSCodeState } from './tokens';

/** Short human words for a state. */
export function describeState(state: VSCodeState | null, trans: Trans): string {
  switch (state) {
    case 'stopped':
      return trans.__('stopped');
    case 'starting':
      return trans.__('starting…');
    case 'running':
      return trans.__('running');
    case 'stopping':
      return trans.__('stopping…');
    case 'failed':
      return trans.__('failed');
    case 'missing':
      return trans.__('not installed');
    case 'misconfigured':
      return trans.__('misconfigured');
    default:
      return trans.__('unavailable');
  }
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
