import { ICommandPalette } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { IMainMenu } from '@jupyterlab/mainmenu';

import { featurePlugin } from './feature';
import { CommandIDs } from './tokens';

/**
 * Unless the server disabled them (`c.VSCode.launcher_enabled`): a JupyterLab
 * launcher tile, a palette entry and File → New → VS Code. Each host service
 * is optional (Notebook 7 has no launcher).
 */
export const launcherPlugin = featurePlugin({
  name: 'launcher',
  description: 'VS Code in the launcher, the palette and File → New.',
  optional: [ILauncher, ICommandPalette, IMainMenu],
  activate: ({ info, trans }, launcher, palette, mainMenu) => {
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
      category: trans.__('VS Code')
    });
    mainMenu?.fileMenu.newMenu.addItem({ command: CommandIDs.open, rank: 40 });
  }
});
