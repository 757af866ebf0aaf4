import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, IToolbarWidgetRegistry } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { Menu, MenuBar } from '@lumino/widgets';

import { vscodeIcon } from './icons';
import { requestAPI } from './request';
import {
  CommandIDs,
  FILE_BROWSER_FACTORY,
  ILauncherInfo,
  LAUNCHER_ENDPOINT,
  NEW_DROPDOWN,
  PALETTE_CATEGORY,
  PLUGIN_ID
} from './tokens';

/**
 * Adds the `vscode:open` command and, unless the server disabled them, a
 * JupyterLab launcher tile, a command palette entry and an entry in
 * Notebook 7's "New" menu. Every dependency is optional, so the plugin works
 * in JupyterLab, on every Notebook 7 page, and without the launcher.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'One click from Jupyter to VS Code (code-server).',
  autoStart: true,
  optional: [
    ILauncher,
    ICommandPalette,
    IDefaultFileBrowser,
    IToolbarWidgetRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    fileBrowser: IDefaultFileBrowser | null,
    toolbarRegistry: IToolbarWidgetRegistry | null
  ): void => {
    // Not awaited: the application does not wait for the server to answer.
    void fetchLauncherInfo().then(info => {
      if (!info) {
        return;
      }
      addCommand(app, info);
      if (!info.enabled) {
        return;
      }
      launcher?.add({ command: CommandIDs.open, category: info.category });
      palette?.addItem({
        command: CommandIDs.open,
        category: PALETTE_CATEGORY
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

function addCommand(app: JupyterFrontEnd, info: ILauncherInfo): void {
  app.commands.addCommand(CommandIDs.open, {
    label: info.title,
    caption: `Open ${info.title} in a new browser tab`,
    icon: vscodeIcon,
    execute: () => {
      const url = URLExt.join(PageConfig.getBaseUrl(), info.url);
      window.open(url, '_blank', 'noopener');
    }
  });
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
