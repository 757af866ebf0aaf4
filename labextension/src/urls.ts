/**
 * Pure functions: URLs, paths and the server's replies checked. No JupyterLab
 * runtime imports, so that jest runs them as they are (src/__tests__/urls.spec.ts).
 */
import type { ILauncherInfo, IOpenURL, OpenIn } from './tokens';
import { URL_ENDPOINT } from './tokens';

/** `url?path=<path>&authority=<host>`: the endpoint that resolves a Jupyter path. */
export function openURLEndpoint(path: string, authority: string): string {
  return (
    `${URL_ENDPOINT}?path=${encodeURIComponent(path)}` +
    `&authority=${encodeURIComponent(authority)}`
  );
}

/**
 * `relative` (from the server, e.g. `vscode/?folder=...`) under the base URL
 * (e.g. `/jupyter/default/`): one slash between them, the query kept as it is.
 */
export function underBaseURL(baseUrl: string, relative: string): string {
  return baseUrl.replace(/\/+$/, '') + '/' + relative.replace(/^\/+/, '');
}

/** A tab's label: "VS Code" for the default folder, else "VS Code: <file or folder name>". */
export function tabLabel(title: string, target: IOpenURL | null): string {
  if (!target) {
    return title;
  }
  const name = target.path.split('/').filter(Boolean).pop() || target.path;
  return `${title}: ${name}`;
}

/**
 * The key of a JupyterLab tab: one tab per folder VS Code opens; `''` for
 * `<base_url>vscode/` (the server's default folder).
 */
export function folderKey(target: IOpenURL | null): string {
  return target ? target.folder : '';
}

/**
 * The Jupyter path "Open in VS Code" acts on: `args.path` if given, else the
 * first selected item, else the file browser's folder, else the root (`''`).
 */
export function chosenPath(
  argPath: unknown,
  selected: string | undefined,
  folder: string | undefined
): string {
  if (typeof argPath === 'string') {
    return argPath;
  }
  return selected ?? folder ?? '';
}

/** The launcher settings if `data` has their shape, else `null`. */
export function parseLauncherInfo(data: unknown): ILauncherInfo | null {
  const d = fieldsOf(data);
  if (
    d &&
    typeof d.enabled === 'boolean' &&
    typeof d.title === 'string' &&
    typeof d.category === 'string' &&
    typeof d.url === 'string'
  ) {
    return {
      enabled: d.enabled,
      title: d.title,
      category: d.category,
      url: d.url
    };
  }
  return null;
}

/** The `openIn` setting's value; anything unknown is the default, a browser tab. */
export function parseOpenIn(value: unknown): OpenIn {
  return value === 'jupyterlab-tab' ? 'jupyterlab-tab' : 'browser-tab';
}

/** What the restorer stores to reopen a tab after a reload (`vscode:open-tab`'s args). */
export interface ITabArgs {
  /** Relative to the base URL, as the server named it. */
  url: string;
  label: string;
  folder: string;
}

/** `args` of `vscode:open-tab` checked; `null` if they are not usable. */
export function parseTabArgs(args: unknown): ITabArgs | null {
  const a = fieldsOf(args);
  if (
    a &&
    typeof a.url === 'string' &&
    a.url &&
    typeof a.label === 'string' &&
    typeof a.folder === 'string'
  ) {
    return { url: a.url, label: a.label, folder: a.folder };
  }
  return null;
}

/** The fields of `value` if it is an object (not `null`), for the parsers to check. */
function fieldsOf(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : null;
}
