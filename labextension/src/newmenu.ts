import { JupyterFrontEnd } from '@jupyterlab/application';
import { IToolbarWidgetRegistry } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { Menu, MenuBar } from '@lumino/widgets';

import { featurePlugin } from './feature';
import {
  CommandIDs,
  FILE_BROWSER_FACTORY,
  NEW_DROPDOWN,
  PACKAGE
} from './tokens';

/**
 * Unless the server disabled it: one entry at the end of the "New" menu of
 * Notebook 7's file browser (tree page). A no-op elsewhere.
 */
export const notebookNewMenuPlugin = featurePlugin({
  name: 'notebook-new-menu',
  description: 'VS Code in the "New" menu of Notebook 7\'s file browser.',
  optional: [IDefaultFileBrowser, IToolbarWidgetRegistry],
  activate: ({ app, info }, fileBrowser, toolbarRegistry) => {
    if (
      info.enabled &&
      fileBrowser &&
      toolbarRegistry &&
      PageConfig.getOption('notebookPage') === 'tree'
    ) {
      addToNotebookNewMenu(app, fileBrowser, toolbarRegistry);
    }
  }
});

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
    console.warn(`${PACKAGE}: Notebook's "New" menu was not found`);
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
