/**
 * Identifiers shared by the frontend; keep every ID and command name here.
 */

/** The plugin ID (package name + plugin name). */
export const PLUGIN_ID = 'jupyter-vscode:plugin';

/** Command IDs. */
export const CommandIDs = {
  /** Open VS Code in a new browser tab. */
  open: 'vscode:open'
} as const;

/** The LabIcon name of the VS Code icon. */
export const ICON_NAME = 'jupyter-vscode:vscode';

/** The server extension's REST API, relative to the base URL. */
export const API_NAMESPACE = 'api/vscode';

/** The endpoint (under {@link API_NAMESPACE}) describing the launcher entry. */
export const LAUNCHER_ENDPOINT = 'launcher';

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
