import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import {
  IVSCodeOpener,
  IVSCodeStatusModel,
  PACKAGE,
  STATUS_ITEM_ID,
  TRANSLATION_DOMAIN
} from './tokens';
import { VSCodeStatusItem } from './ui';

/**
 * The status bar item (JupyterLab; Notebook 7 has no status bar), once the
 * server extension has answered.
 */
export const statusBarPlugin: JupyterFrontEndPlugin<void> = {
  id: `${PACKAGE}:status-bar`,
  description: "code-server's state in the status bar, with its actions.",
  autoStart: true,
  requires: [IVSCodeStatusModel, IVSCodeOpener],
  optional: [IStatusBar, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    model: IVSCodeStatusModel,
    _opener: IVSCodeOpener, // required: the item's menu uses the commands
    statusBar: IStatusBar | null,
    translator: ITranslator | null
  ): void => {
    if (!statusBar) {
      return;
    }
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    model.whenInfo(() => {
      statusBar.registerStatusItem(STATUS_ITEM_ID, {
        item: new VSCodeStatusItem(model, app.commands, trans),
        align: 'left',
        rank: 50
      });
    });
  }
};
