/**
 * Identifiers, endpoints and reply types shared by the frontend, and the
 * tokens its plugins share; keep every ID and command name here.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';

/** The package name: prefix of every plugin ID, the translation domain. */
export const PACKAGE = 'jupyter-vscode';

/**
 * The commands plugin's ID; it owns the user settings (`schema/plugin.json`),
 * so it keeps the ID the settings have always been stored under.
 */
export const PLUGIN_ID = `${PACKAGE}:plugin`;

/** The translation domain (`translator.load(...)`). */
export const TRANSLATION_DOMAIN = 'jupyter_vscode';

/** Command IDs. */
export const CommandIDs = {
  /** Open VS Code (new browser tab or JupyterLab tab, per the `openIn` setting). */
  open: 'vscode:open',
  /** Open a Jupyter path (`args.path`, else the file browser's selection or folder). */
  openPath: 'vscode:open-path',
  /** Restart code-server. */
  restart: 'vscode:restart',
  /** Stop code-server. */
  stop: 'vscode:stop',
  /** Show code-server's status and the tail of its log. */
  showLog: 'vscode:show-log',
  /**
   * Internal: show `args.url` in a JupyterLab tab, reusing the tab of the
   * same folder (`args.folder`); the layout restorer runs it after a reload.
   */
  openTab: 'vscode:open-tab'
} as const;

/** The LabIcon name of the VS Code icon. */
export const ICON_NAME = 'jupyter-vscode:vscode';

/** The server extension's REST API, relative to the base URL. */
export const API_NAMESPACE = 'api/vscode';

/** The endpoint (under {@link API_NAMESPACE}) describing the launcher entry. */
export const LAUNCHER_ENDPOINT = 'launcher';

/** Endpoints under {@link API_NAMESPACE}. */
export const STATUS_ENDPOINT = 'status';
export const RESTART_ENDPOINT = 'restart';
export const STOP_ENDPOINT = 'stop';
export const LOG_ENDPOINT = 'log';
export const URL_ENDPOINT = 'url';

/** How often the status is polled while the page is visible (ms). */
export const STATUS_INTERVAL = 5000;

/** The status bar item's ID. */
export const STATUS_ITEM_ID = 'jupyter-vscode:status';

/** The widget tracker's namespace (the restored layout's key prefix). */
export const TRACKER_NAMESPACE = 'jupyter-vscode';

/** The title used until the server has named it (c.VSCode.launcher_title's default). */
export const DEFAULT_TITLE = 'VS Code';

/** Notebook 7's tree page: file browser toolbar factory and its "New" item. */
export const FILE_BROWSER_FACTORY = 'FileBrowser';
export const NEW_DROPDOWN = 'new-dropdown';

/** The reply of `GET <base_url>api/vscode/launcher` (jupyter_vscode/api.py). */
export interface ILauncherInfo {
  /** Whether to show the launcher tile and "New" menu entries. */
  enabled: boolean;
  /** Label of the tile, menu entries and command. */
  title: string;
  /** JupyterLab launcher section of the tile. */
  category: string;
  /** Where VS Code is served, relative to the base URL (e.g. `vscode/`). */
  url: string;
}

/**
 * code-server's state, as `GET <base_url>api/vscode/status` reports it.
 * 'misconfigured': an option is invalid, so code-server is never started;
 * `error` names the option and where to fix it.
 */
export type VSCodeState =
  | 'stopped'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'failed'
  | 'missing'
  | 'misconfigured';

/**
 * The reply of `GET <base_url>api/vscode/status` (`Supervisor.status()` and
 * `MisconfiguredSupervisor.status()`), typed as the server sends it.
 */
export interface IVSCodeStatus {
  state: VSCodeState;
  pid: number | null;
  version: string | null;
  /** Seconds since code-server became ready; `null` unless it runs. */
  uptime: number | null;
  /** `null` when misconfigured. */
  transport: 'socket' | 'port' | null;
  /** The TCP port with `transport = 'port'`, else `null`. */
  port: number | null;
  /** The code-server executable once found, else `null`. */
  executable: string | null;
  restarts: number;
  last_exit_code: number | null;
  /** Why it failed, is missing or misconfigured; `null` when nothing went wrong. */
  error: string | null;
  /** `null` when the log is kept in memory only, or nothing runs (misconfigured). */
  log_file: string | null;
  /** Seconds without use; `null` when misconfigured. */
  idle_seconds: number | null;
  idle_stops: number;
  workbench_starting: boolean;
  /** The last health probe's answer; `null` when not running or health checks are off. */
  healthy: boolean | null;
  health_restarts: number;
  /**
   * Why a stopped code-server waits for a page load or a restart (a stop asked
   * for, an idle stop); `null`: any request starts it.
   */
  held: string | null;
  /** Jupyter's shutdown has begun: nothing starts code-server any more. */
  shutting_down: boolean;
}

/**
 * A stopped status with every nullable field null, as
 * `MisconfiguredSupervisor.status()` sends them: the status assumed while an
 * action runs before the first answer.
 */
export function emptyStatus(): IVSCodeStatus {
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
    health_restarts: 0,
    held: null,
    shutting_down: false
  };
}

/** The reply of `GET <base_url>api/vscode/log`. */
export interface IVSCodeLog {
  lines: string[];
  log_file: string | null;
}

/** The reply of `GET <base_url>api/vscode/url?path=...` (jupyter_vscode/open_url.py). */
export interface IOpenURL {
  /** Relative to the base URL, e.g. `vscode/?folder=%2Fhome%2Fme`. */
  url: string;
  kind: 'folder' | 'file';
  /** Absolute path on the server. */
  path: string;
  /** The folder VS Code opens. */
  folder: string;
}

/** Where VS Code opens (the `openIn` user setting). */
export type OpenIn = 'browser-tab' | 'jupyterlab-tab';

/** The part of a {@link TranslationBundle} the pure helpers use. */
export type Trans = Pick<TranslationBundle, '__'>;

/** The states-and-launcher-info model every feature plugin shares. */
export interface IVSCodeStatusModel {
  /** The launcher settings; `null` until the server answered (or if it could not). */
  readonly info: ILauncherInfo | null;
  /** Why the launcher settings could not be read; `null` if they were (or not yet asked). */
  readonly infoError: string | null;
  /** The title to show: the server's `launcher_title`, else "VS Code". */
  readonly title: string;
  /** Emits once, when the launcher settings are first known. */
  readonly infoChanged: ISignal<IVSCodeStatusModel, ILauncherInfo>;
  /** The launcher settings, asking the server again if an earlier request failed. */
  ensureInfo(): Promise<ILauncherInfo>;
  /** Call `callback` with the launcher settings once they are known (now, if they are). */
  whenInfo(callback: (info: ILauncherInfo) => void): void;

  /** The last status seen; `null` before the first answer or when the server is unreachable. */
  readonly status: IVSCodeStatus | null;
  /** The current state, `null` if unknown. */
  readonly state: VSCodeState | null;
  /** Emits the new and the previous status whenever the state changes. */
  readonly stateChanged: ISignal<
    IVSCodeStatusModel,
    { previous: IVSCodeStatus | null; current: IVSCodeStatus | null }
  >;
  /** Emits on every answer (uptime, pid, ... may have changed). */
  readonly changed: ISignal<IVSCodeStatusModel, IVSCodeStatus | null>;
  /** Ask now instead of at the next tick. */
  refresh(): Promise<void>;
  /** Look again soon: after opening VS Code, code-server starts in the background. */
  watchTransition(): void;
  /** `POST api/vscode/restart`; rejects (with the server's message) if it cannot start. */
  restart(): Promise<IVSCodeStatus>;
  /** `POST api/vscode/stop`. */
  stop(): Promise<IVSCodeStatus>;
  /** The last `lines` lines of code-server's output. */
  logTail(lines?: number): Promise<IVSCodeLog>;
}

/** Provided by the `jupyter-vscode:status` plugin, used by every other one. */
export const IVSCodeStatusModel = new Token<IVSCodeStatusModel>(
  `${PACKAGE}:IVSCodeStatusModel`,
  'code-server status and the launcher settings of jupyter-vscode.'
);

/** Opens VS Code where the user wants it; provided with the commands. */
export interface IVSCodeOpener {
  /** "Open VS Code in a new browser tab" / "... in a JupyterLab tab". */
  readonly caption: string;
  /** Open `<base_url>vscode/`. */
  openDefault(): Promise<void>;
  /** Open a Jupyter path: a folder as VS Code's folder, a file in an editor. */
  openPath(path: string): Promise<void>;
}

/**
 * Provided by the commands plugin: plugins that add entries pointing at the
 * commands require it, so that the commands exist before the entries.
 */
export const IVSCodeOpener = new Token<IVSCodeOpener>(
  `${PACKAGE}:IVSCodeOpener`,
  'Opens VS Code (code-server) in a browser tab or a JupyterLab tab.'
);
