import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import {
  CommandIDs,
  IVSCodeOpener,
  IVSCodeStatusModel,
  PACKAGE,
  TRANSLATION_DOMAIN
} from './tokens';

/**
 * Unless the server disabled them (`c.VSCode.launcher_enabled`): a JupyterLab
 * launcher tile, a palette entry and File → New → VS Code. Each host service
 * is optional (Notebook 7 has no launcher).
 */
export const launcherPlugin: JupyterFrontEndPlugin<void> = {
  id: `${PACKAGE}:launcher`,
  description: 'VS Code in the launcher, the palette and File → New.',
  autoStart: true,
  requires: [IVSCodeStatusModel, IVSCodeOpener],
  optional: [ITranslator, ILauncher, ICommandPalette, IMainMenu],
  activate: (
    _app: JupyterFrontEnd,
    model: IVSCodeStatusModel,
    _opener: IVSCodeOpener, // required: the commands exist before entries point at them
    translator: ITranslator | null,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    mainMenu: IMainMenu | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    model.whenInfo(info => {
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
      mainMenu?.fileMenu.newMenu.addItem({
        command: CommandIDs.open,
        rank: 40
      });
    });
  }
};
