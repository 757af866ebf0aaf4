/**
 * Identifiers shared by the frontend; keep every ID and command name here.
 */

/** The plugin ID (package name + plugin name). */
export const PLUGIN_ID = 'jupyter-vscode:plugin';

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
  showLog: 'vscode:show-log'
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

/** The command palette category. */
export const PALETTE_CATEGORY = 'VS Code';

/** Notebook 7's tree page: file browser toolbar factory and its "New" item. */
export const FILE_BROWSER_FACTORY = 'FileBrowser';
export const NEW_DROPDOWN = 'new-dropdown';

/** The reply of `GET <base_url>api/vscode/launcher`. */
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

/** The reply of `GET <base_url>api/vscode/status` (the fields the UI uses). */
export interface IVSCodeStatus {
  state: VSCodeState;
  pid: number | null;
  version: string | null;
  uptime: number | null;
  restarts: number;
  last_exit_code: number | null;
  error: string;
  /** `null` when the log is kept in memory only, or nothing runs (misconfigured). */
  log_file: string | null;
}

/** The reply of `GET <base_url>api/vscode/log`. */
export interface IVSCodeLog {
  lines: string[];
  log_file: string | null;
}

/** The reply of `GET <base_url>api/vscode/url?path=...`. */
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
