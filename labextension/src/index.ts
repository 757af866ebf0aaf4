/**
 * jupyter-vscode's frontend: feature plugins around one shared status model
 * (`IVSCodeStatusModel`, src/model.ts). Every host service is optional, so
 * they work in JupyterLab and on every Notebook 7 page.
 */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { commandsPlugin } from './commands';
import { fileBrowserPlugin } from './filebrowser';
import { launcherPlugin } from './launcher';
import { statusModelPlugin } from './model';
import { notebookNewMenuPlugin } from './newmenu';
import { runningPlugin } from './running';
import { statusBarPlugin } from './statusbar';

export { IVSCodeOpener, IVSCodeStatusModel } from './tokens';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  statusModelPlugin,
  commandsPlugin,
  launcherPlugin,
  notebookNewMenuPlugin,
  statusBarPlugin,
  runningPlugin,
  fileBrowserPlugin
];

export default plugins;
