import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { requestAPI } from './request';
import {
  IVSCodeLog,
  IVSCodeStatus,
  LOG_ENDPOINT,
  RESTART_ENDPOINT,
  STATUS_ENDPOINT,
  STATUS_INTERVAL,
  STOP_ENDPOINT,
  VSCodeState
} from './tokens';

/** While code-server is starting or stopping, look again this soon (ms). */
const TRANSITION_INTERVAL = 1000;

/**
 * code-server's status, polled from `GET api/vscode/status` every few seconds
 * while the page is visible (no requests from a hidden tab), more often while
 * it starts or stops, and right after every action taken through this model.
 */
export class VSCodeStatusModel {
  constructor() {
    this._poll = new Poll({
      auto: true,
      factory: () => this._fetch(),
      frequency: { interval: STATUS_INTERVAL, backoff: true, max: 60_000 },
      name: 'jupyter-vscode:status',
      standby: 'when-hidden'
    });
  }

  /** The last status seen; `null` before the first answer or when the server is unreachable. */
  get status(): IVSCodeStatus | null {
    return this._status;
  }

  /** The current state, `null` if unknown. */
  get state(): VSCodeState | null {
    return this._status?.state ?? null;
  }

  /** Emits the new and the previous status whenever the state changes. */
  get stateChanged(): ISignal<
    this,
    { previous: IVSCodeStatus | null; current: IVSCodeStatus | null }
  > {
    return this._stateChanged;
  }

  /** Emits on every answer (uptime, pid, ... may have changed). */
  get changed(): ISignal<this, IVSCodeStatus | null> {
    return this._changed;
  }

  /** Ask now instead of at the next tick. */
  refresh(): Promise<void> {
    return this._poll.refresh();
  }

  /** Look again soon: after opening VS Code, code-server starts in the background. */
  watchTransition(): void {
    window.setTimeout(() => void this._poll.refresh(), TRANSITION_INTERVAL);
  }

  /** `POST api/vscode/restart`; rejects (with the server's message) if it cannot start. */
  async restart(): Promise<IVSCodeStatus> {
    this._set({ ...(this._status ?? emptyStatus()), state: 'starting' });
    try {
      const status = await requestAPI<IVSCodeStatus>(RESTART_ENDPOINT, {
        method: 'POST'
      });
      this._set(status);
      return status;
    } catch (reason) {
      // learn the outcome ("failed", "missing") before the caller decides what to show
      await this._fetch().catch(() => undefined);
      throw reason;
    } finally {
      void this._poll.refresh();
    }
  }

  /** `POST api/vscode/stop`. */
  async stop(): Promise<IVSCodeStatus> {
    this._set({ ...(this._status ?? emptyStatus()), state: 'stopping' });
    try {
      const status = await requestAPI<IVSCodeStatus>(STOP_ENDPOINT, {
        method: 'POST'
      });
      this._set(status);
      return status;
    } finally {
      void this._poll.refresh();
    }
  }

  /** The last `lines` lines of code-server's output. */
  logTail(lines = 100): Promise<IVSCodeLog> {
    return requestAPI<IVSCodeLog>(`${LOG_ENDPOINT}?lines=${lines}`);
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    let status: IVSCodeStatus;
    try {
      status = await requestAPI<IVSCodeStatus>(STATUS_ENDPOINT);
    } catch (reason) {
      this._set(null);
      throw reason; // the poll backs off
    }
    this._set(status);
    if (status.state === 'starting' || status.state === 'stopping') {
      this.watchTransition();
    }
  }

  private _set(status: IVSCodeStatus | null): void {
    const previous = this._status;
    this._status = status;
    if ((previous?.state ?? null) !== (status?.state ?? null)) {
      this._stateChanged.emit({ previous, current: status });
    }
    this._changed.emit(status);
  }

  private _status: IVSCodeStatus | null = null;
  private _poll: Poll;
  private _stateChanged = new Signal<
    this,
    { previous: IVSCodeStatus | null; current: IVSCodeStatus | null }
  >(this);
  private _changed = new Signal<this, IVSCodeStatus | null>(this);
}

function emptyStatus(): IVSCodeStatus {
  return {
    state: 'stopped',
    pid: null,
    version: null,
    uptime: null,
    restarts: 0,
    last_exit_code: null,
    error: '',
    log_file: ''
  };
}

/** Short human words for a state. */
export function describeState(state: VSCodeState | null): string {
  switch (state) {
    case 'stopped':
      return 'stopped';
    case 'starting':
      return 'starting…';
    case 'running':
      return 'running';
    case 'stopping':
      return 'stopping…';
    case 'failed':
      return 'failed';
    case 'missing':
      return 'not installed';
    case 'misconfigured':
      return 'misconfigured';
    default:
      return 'unavailable';
  }
}
