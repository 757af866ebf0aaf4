import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { requestAPI } from './request';
import {
  DEFAULT_TITLE,
  ILauncherInfo,
  IVSCodeLog,
  IVSCodeStatus,
  IVSCodeStatusModel,
  LAUNCHER_ENDPOINT,
  LOG_ENDPOINT,
  RESTART_ENDPOINT,
  STATUS_ENDPOINT,
  STATUS_INTERVAL,
  STOP_ENDPOINT,
  VSCodeState,
  emptyStatus
} from './tokens';
import { parseLauncherInfo } from './urls';

/** While code-server is starting or stopping, look again this soon (ms). */
const TRANSITION_INTERVAL = 1000;

type StateChange = {
  previous: IVSCodeStatus | null;
  current: IVSCodeStatus | null;
};

/**
 * The launcher settings (`GET api/vscode/launcher`) and code-server's status,
 * polled from `GET api/vscode/status` every few seconds while the page is
 * visible (no requests from a hidden tab), more often while it starts or
 * stops, and right after every action taken through this model. Polling
 * starts once the launcher settings are known: without the server extension
 * there is nothing to poll.
 */
export class VSCodeStatusModel implements IVSCodeStatusModel {
  /** `unavailable`: the error text when the launcher request fails. */
  constructor(private readonly _unavailable: (reason: unknown) => string) {}

  get info(): ILauncherInfo | null {
    return this._info;
  }

  get infoError(): string | null {
    return this._infoError;
  }

  get title(): string {
    return this._info?.title || DEFAULT_TITLE;
  }

  get infoChanged(): ISignal<this, ILauncherInfo> {
    return this._infoChanged;
  }

  ensureInfo(): Promise<ILauncherInfo> {
    if (this._info) {
      return Promise.resolve(this._info);
    }
    if (!this._pendingInfo) {
      this._pendingInfo = this._fetchInfo().finally(() => {
        this._pendingInfo = null;
      });
    }
    return this._pendingInfo;
  }

  whenInfo(callback: (info: ILauncherInfo) => void): void {
    if (this._info) {
      callback(this._info);
      return;
    }
    const once = (_: unknown, info: ILauncherInfo) => {
      this._infoChanged.disconnect(once);
      callback(info);
    };
    this._infoChanged.connect(once);
  }

  get status(): IVSCodeStatus | null {
    return this._status;
  }

  get state(): VSCodeState | null {
    return this._status?.state ?? null;
  }

  get stateChanged(): ISignal<this, StateChange> {
    return this._stateChanged;
  }

  get changed(): ISignal<this, IVSCodeStatus | null> {
    return this._changed;
  }

  refresh(): Promise<void> {
    return this._poll?.refresh() ?? Promise.resolve();
  }

  watchTransition(): void {
    window.setTimeout(() => void this.refresh(), TRANSITION_INTERVAL);
  }

  restart(): Promise<IVSCodeStatus> {
    // on a failure, learn the outcome ("failed", "missing") before the caller decides what to show
    return this._post(RESTART_ENDPOINT, 'starting', () =>
      this._fetch().catch(() => undefined)
    );
  }

  stop(): Promise<IVSCodeStatus> {
    return this._post(STOP_ENDPOINT, 'stopping');
  }

  logTail(lines = 100): Promise<IVSCodeLog> {
    return requestAPI<IVSCodeLog>(`${LOG_ENDPOINT}?lines=${lines}`);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll?.dispose();
    Signal.clearData(this);
  }

  private async _fetchInfo(): Promise<ILauncherInfo> {
    let data: unknown;
    try {
      data = await requestAPI<unknown>(LAUNCHER_ENDPOINT);
    } catch (reason) {
      this._infoError = this._unavailable(reason);
      throw new Error(this._infoError);
    }
    const info = parseLauncherInfo(data);
    if (!info) {
      this._infoError = this._unavailable(
        `unexpected launcher settings: ${JSON.stringify(data)}`
      );
      throw new Error(this._infoError);
    }
    this._info = info;
    this._infoError = null;
    if (!this._isDisposed) {
      this._startPolling();
      this._infoChanged.emit(info);
    }
    return info;
  }

  /**
   * `POST endpoint`, showing `state` until the answer (the new status);
   * `beforeRejecting` runs when it fails, and a refresh follows either way.
   */
  private async _post(
    endpoint: string,
    state: VSCodeState,
    beforeRejecting?: () => Promise<unknown>
  ): Promise<IVSCodeStatus> {
    this._set({ ...(this._status ?? emptyStatus()), state });
    try {
      const status = await requestAPI<IVSCodeStatus>(endpoint, {
        method: 'POST'
      });
      this._set(status);
      return status;
    } catch (reason) {
      await beforeRejecting?.();
      throw reason;
    } finally {
      void this.refresh();
    }
  }

  private _startPolling(): void {
    this._poll = new Poll({
      auto: true,
      factory: () => this._fetch(),
      frequency: { interval: STATUS_INTERVAL, backoff: true, max: 60_000 },
      name: 'jupyter-vscode:status',
      standby: 'when-hidden'
    });
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

  private _info: ILauncherInfo | null = null;
  private _infoError: string | null = null;
  private _pendingInfo: Promise<ILauncherInfo> | null = null;
  private _infoChanged = new Signal<this, ILauncherInfo>(this);
  private _isDisposed = false;
  private _status: IVSCodeStatus | null = null;
  private _poll: Poll | null = null;
  private _stateChanged = new Signal<this, StateChange>(this);
  private _changed = new Signal<this, IVSCodeStatus | null>(this);
}
