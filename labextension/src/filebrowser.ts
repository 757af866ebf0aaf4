import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

import { CommandIDs, IVSCodeOpener, PACKAGE } from './tokens';

/** Selector of the file browser's items (files and folders). */
const FILE_ITEM_SELECTOR = '.jp-DirListing-item[data-isdir]';

/**
 * "Open in VS Code" on files and folders of every file browser (JupyterLab,
 * Notebook 7's tree page), at once: it says why if VS Code is unavailable.
 */
export const fileBrowserPlugin: JupyterFrontEndPlugin<void> = {
  id: `${PACKAGE}:file-browser`,
  description: '"Open in VS Code" in the file browser\'s context menu.',
  autoStart: true,
  requires: [IVSCodeOpener],
  activate: (app: JupyterFrontEnd): void => {
    app.contextMenu.addItem({
      command: CommandIDs.openPath,
      selector: FILE_ITEM_SELECTOR,
      rank: 3
    });
  }
};
