import { IStatusBar } from '@jupyterlab/statusbar';

import { featurePlugin } from './feature';
import { STATUS_ITEM_ID } from './tokens';
import { VSCodeStatusItem } from './ui';

/**
 * The status bar item (JupyterLab; Notebook 7 has no status bar), once the
 * server extension has answered.
 */
export const statusBarPlugin = featurePlugin({
  name: 'status-bar',
  description: "code-server's state in the status bar, with its actions.",
  optional: [IStatusBar],
  activate: ({ app, model, trans }, statusBar) => {
    statusBar?.registerStatusItem(STATUS_ITEM_ID, {
      item: new VSCodeStatusItem(model, app.commands, trans),
      align: 'left',
      rank: 50
    });
  }
});
