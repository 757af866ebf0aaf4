import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IToolbarWidgetRegistry,
  showErrorMessage
} from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import {
  FileBrowser,
  IDefaultFileBrowser,
  IFileBrowserFactory
} from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { IRunningSessionManagers } from '@jupyterlab/running';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { Menu, MenuBar } from '@lumino/widgets';

import { openInMainArea } from './frame';
import { vscodeIcon } from './icons';
import { requestAPI } from './request';
import { describeState, VSCodeStatusModel } from './status';
import {
  CommandIDs,
  FILE_BROWSER_FACTORY,
  ILauncherInfo,
  IOpenURL,
  LAUNCHER_ENDPOINT,
  NEW_DROPDOWN,
  OpenIn,
  PALETTE_CATEGORY,
  PLUGIN_ID,
  STATUS_ITEM_ID,
  URL_ENDPOINT
} from './tokens';
import { showLogDialog, statusSummary, VSCodeStatusItem } from './ui';

/** Selector of the file browser's items (files and folders). */
const FILE_ITEM_SELECTOR = '.jp-DirListing-item[data-isdir]';

/**
 * Adds the VS Code commands and, unless the server disabled them, a
 * JupyterLab launcher tile, a command palette entry, File → New and Notebook
 * 7's "New" menu entries; "Open in VS Code" in the file browser's context
 * menu; a status bar item and a Running panel section. Every dependency is
 * optional, so the plugin works in JupyterLab, on every Notebook 7 page, and
 * without any of these services.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'One click from Jupyter to VS Code (code-server).',
  autoStart: true,
  optional: [
    ILauncher,
    ICommandPalette,
    IDefaultFileBrowser,
    IToolbarWidgetRegistry,
    IFileBrowserFactory,
    IMainMenu,
    IStatusBar,
    IRunningSessionManagers,
    ISettingRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    fileBrowser: IDefaultFileBrowser | null,
    toolbarRegistry: IToolbarWidgetRegistry | null,
    browserFactory: IFileBrowserFactory | null,
    mainMenu: IMainMenu | null,
    statusBar: IStatusBar | null,
    runningManagers: IRunningSessionManagers | null,
    settingRegistry: ISettingRegistry | null
  ): void => {
    const settings = new Settings();
    if (settingRegistry) {
      void settings.load(settingRegistry);
    }
    // Not awaited: the application does not wait for the server to answer.
    void fetchLauncherInfo().then(info => {
      if (!info) {
        return;
      }
      const model = new VSCodeStatusModel();
      const opener = new Opener(app, info, settings, model);
      addCommands(app, info, opener, model, () =>
        currentBrowser(browserFactory, fileBrowser)
      );
      addContextMenu(app);
      palette?.addItem({
        command: CommandIDs.openPath,
        category: PALETTE_CATEGORY
      });
      for (const command of [
        CommandIDs.restart,
        CommandIDs.stop,
        CommandIDs.showLog
      ]) {
        palette?.addItem({ command, category: PALETTE_CATEGORY });
      }
      watchFailures(app, info, model);
      if (statusBar) {
        statusBar.registerStatusItem(STATUS_ITEM_ID, {
          item: new VSCodeStatusItem(model, app.commands, info.title),
          align: 'left',
          rank: 50
        });
      }
      if (runningManagers) {
        addRunningSection(app, runningManagers, info, model);
      }
      if (!info.enabled) {
        return;
      }
      launcher?.add({
        command: CommandIDs.open,
        category: info.category,
        rank: 1
      });
      palette?.addItem({
        command: CommandIDs.open,
        category: PALETTE_CATEGORY
      });
      mainMenu?.fileMenu.newMenu.addItem({
        command: CommandIDs.open,
        rank: 40
      });
      if (
        fileBrowser &&
        toolbarRegistry &&
        PageConfig.getOption('notebookPage') === 'tree'
      ) {
        addToNotebookNewMenu(app, fileBrowser, toolbarRegistry);
      }
    });
  }
};

/** The `openIn` user setting, kept up to date. */
class Settings {
  openIn: OpenIn = 'browser-tab';

  async load(registry: ISettingRegistry): Promise<void> {
    try {
      const settings = await registry.load(PLUGIN_ID);
      const update = () => {
        const value = settings.get('openIn').composite;
        this.openIn =
          value === 'jupyterlab-tab' ? 'jupyterlab-tab' : 'browser-tab';
      };
      update();
      settings.changed.connect(update);
    } catch (reason) {
      console.warn(`${PLUGIN_ID}: settings could not be loaded`, reason);
    }
  }
}

/** Opens VS Code URLs where the user wants them. */
class Opener {
  constructor(
    private readonly _app: JupyterFrontEnd,
    private readonly _info: ILauncherInfo,
    private readonly _settings: Settings,
    private readonly _model: VSCodeStatusModel
  ) {}

  /**
   * Whether VS Code opens in a JupyterLab tab: only where there is a main
   * area of tabs (JupyterLab, not Notebook 7's single-document pages).
   */
  get inMainArea(): boolean {
    return (
      this._settings.openIn === 'jupyterlab-tab' &&
      !PageConfig.getOption('notebookPage')
    );
  }

  get caption(): string {
    return this.inMainArea
      ? `Open ${this._info.title} in a JupyterLab tab`
      : `Open ${this._info.title} in a new browser tab`;
  }

  /** Open `<base_url>vscode/`. */
  openDefault(): void {
    this._open(this._info.url, this._info.title, null);
  }

  /** Open a Jupyter path: a folder as VS Code's folder, a file in an editor. */
  async openPath(path: string): Promise<void> {
    // A browser tab must be opened while the click's user activation lasts,
    // i.e. before waiting for the server: open it empty and navigate it later.
    const pending = this.inMainArea ? null : window.open('', '_blank');
    let target: IOpenURL;
    try {
      const query = URLExt.objectToQueryString({
        path,
        authority: window.location.host
      });
      target = await requestAPI<IOpenURL>(`${URL_ENDPOINT}${query}`);
    } catch (reason) {
      pending?.close();
      await showErrorMessage(
        `Cannot open “${path || '/'}” in ${this._info.title}`,
        reason as Error
      );
      return;
    }
    const name = target.path.split('/').pop() || target.path;
    this._open(target.url, `${this._info.title}: ${name}`, pending);
  }

  private _open(url: string, label: string, pending: Window | null): void {
    const absolute = URLExt.join(PageConfig.getBaseUrl(), url);
    if (this.inMainArea) {
      openInMainArea(this._app, absolute, label, absolute);
    } else if (pending) {
      pending.opener = null;
      pending.location.href = absolute;
    } else {
      window.open(absolute, '_blank', 'noopener');
    }
    // code-server starts on the first request: show it in the status
    this._model.watchTransition();
  }
}

/** The file browser whose selection "Open in VS Code" acts on. */
function currentBrowser(
  factory: IFileBrowserFactory | null,
  fallback: IDefaultFileBrowser | null
): FileBrowser | null {
  return factory?.tracker.currentWidget ?? fallback ?? null;
}

function addCommands(
  app: JupyterFrontEnd,
  info: ILauncherInfo,
  opener: Opener,
  model: VSCodeStatusModel,
  browser: () => FileBrowser | null
): void {
  const { commands } = app;
  commands.addCommand(CommandIDs.open, {
    label: info.title,
    caption: () => opener.caption,
    icon: vscodeIcon,
    execute: () => opener.openDefault()
  });

  commands.addCommand(CommandIDs.openPath, {
    label: `Open in ${info.title}`,
    caption: `Open the selected file or folder (else the file browser's folder) in ${info.title}`,
    icon: vscodeIcon,
    execute: args => {
      let path: string;
      if (typeof args.path === 'string') {
        path = args.path;
      } else {
        const widget = browser();
        const selected = widget?.selectedItems().next();
        path =
          selected && !selected.done
            ? selected.value.path
            : (widget?.model.path ?? '');
      }
      // without a drive prefix such as "RTC:" (a ':' in a file name stays)
      return opener.openPath(app.serviceManager.contents.localPath(path));
    }
  });

  commands.addCommand(CommandIDs.restart, {
    label: `Restart ${info.title}`,
    caption: `Stop and start ${info.title} (code-server) again`,
    isEnabled: () =>
      model.state !== 'starting' &&
      model.state !== 'stopping' &&
      model.state !== 'misconfigured',
    execute: async () => {
      try {
        await model.restart();
      } catch (reason) {
        // "failed": the state change shows the log (watchFailures)
        if (model.state === 'misconfigured') {
          await showLogDialog(model, commands, info.title);
        } else if (model.state === 'missing') {
          await showLogDialog(
            model,
            commands,
            info.title,
            // not installed, or a configured path that is wrong: the error says which
            `${info.title}: code-server not found`
          );
        } else if (model.state !== 'failed') {
          await showErrorMessage(
            `Restarting ${info.title} failed`,
            reason as Error
          );
        }
      }
    }
  });

  commands.addCommand(CommandIDs.stop, {
    label: `Stop ${info.title}`,
    caption: `Stop ${info.title} (code-server) and everything it started`,
    isEnabled: () =>
      model.state !== 'stopped' &&
      model.state !== 'stopping' &&
      model.state !== 'misconfigured',
    execute: async () => {
      try {
        await model.stop();
      } catch (reason) {
        await showErrorMessage(
          `Stopping ${info.title} failed`,
          reason as Error
        );
      }
    }
  });

  commands.addCommand(CommandIDs.showLog, {
    label: `Show ${info.title} Status and Log`,
    caption: statusSummary(info.title, model.status),
    execute: () => showLogDialog(model, commands, info.title)
  });

  model.changed.connect(() => commands.notifyCommandChanged());
}

/** "Open in VS Code" on files and folders of every file browser. */
function addContextMenu(app: JupyterFrontEnd): void {
  app.contextMenu.addItem({
    command: CommandIDs.openPath,
    selector: FILE_ITEM_SELECTOR,
    rank: 3
  });
}

/** A failed start (seen by the status poll) shows the log once. */
function watchFailures(
  app: JupyterFrontEnd,
  info: ILauncherInfo,
  model: VSCodeStatusModel
): void {
  model.stateChanged.connect((_, { previous, current }) => {
    if (current?.state === 'failed' && previous !== null) {
      void showLogDialog(model, app.commands, info.title);
    }
  });
}

/** VS Code in JupyterLab's Running panel: open it, stop it. */
function addRunningSection(
  app: JupyterFrontEnd,
  managers: IRunningSessionManagers,
  info: ILauncherInfo,
  model: VSCodeStatusModel
): void {
  const active = () =>
    model.state === 'running' ||
    model.state === 'starting' ||
    model.state === 'stopping';
  managers.add({
    name: info.title,
    running: () =>
      active()
        ? [
            {
              className: 'jp-vscode-RunningItem',
              open: () => void app.commands.execute(CommandIDs.open),
              shutdown: () => void app.commands.execute(CommandIDs.stop),
              icon: () => vscodeIcon,
              label: () => `${info.title} (${describeState(model.state)})`,
              labelTitle: () => statusSummary(info.title, model.status)
            }
          ]
        : [],
    shutdownAll: () => void app.commands.execute(CommandIDs.stop),
    refreshRunning: () => void model.refresh(),
    runningChanged: model.stateChanged,
    shutdownLabel: 'Stop',
    shutdownAllLabel: 'Stop',
    shutdownAllConfirmationText: `Stop ${info.title}? Its terminals and running tasks end; unsaved editors are kept as backups.`
  });
}

/**
 * Fetch the launcher settings; `null` (and a console warning) if the server
 * extension is unavailable or replied with something unexpected.
 */
async function fetchLauncherInfo(): Promise<ILauncherInfo | null> {
  try {
    const data = await requestAPI<Partial<ILauncherInfo>>(LAUNCHER_ENDPOINT);
    if (
      typeof data.enabled === 'boolean' &&
      typeof data.title === 'string' &&
      typeof data.category === 'string' &&
      typeof data.url === 'string'
    ) {
      return data as ILauncherInfo;
    }
    console.warn(`${PLUGIN_ID}: unexpected launcher settings`, data);
  } catch (reason) {
    console.warn(
      `${PLUGIN_ID}: VS Code is unavailable (is the jupyter_vscode server extension enabled?)`,
      reason
    );
  }
  return null;
}

/**
 * Append the command to the "New" menu of Notebook 7's file browser.
 *
 * Notebook 7 offers no API for this menu: its toolbar factory wraps one shared
 * `Menu` in a fresh `MenuBar` per call, so ask the factory for a menu bar to
 * reach that menu. Notebook rebuilds the menu when the kernel specs change,
 * hence re-adding the entry afterwards.
 */
function addToNotebookNewMenu(
  app: JupyterFrontEnd,
  fileBrowser: IDefaultFileBrowser,
  toolbarRegistry: IToolbarWidgetRegistry
): void {
  const menuBar = toolbarRegistry.createWidget(
    FILE_BROWSER_FACTORY,
    fileBrowser,
    { name: NEW_DROPDOWN }
  );
  const menu: Menu | undefined =
    menuBar instanceof MenuBar ? menuBar.menus[0] : undefined;
  menuBar.dispose();
  if (!menu) {
    console.warn(`${PLUGIN_ID}: Notebook's "New" menu was not found`);
    return;
  }

  const ensureEntry = () => {
    if (!menu.items.some(item => item.command === CommandIDs.open)) {
      menu.addItem({ type: 'separator' });
      menu.addItem({ command: CommandIDs.open });
    }
  };
  ensureEntry();
  app.serviceManager.kernelspecs?.specsChanged.connect(() => {
    // after Notebook's own handler has repopulated the menu
    setTimeout(ensureEntry);
  });
}

export default plugin;
