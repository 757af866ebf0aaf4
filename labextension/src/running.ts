import { IRunningSessionManagers } from '@jupyterlab/running';

import { featurePlugin } from './feature';
import { describeState, isActive, statusSummary } from './format';
import { vscodeIcon } from './icons';
import { CommandIDs } from './tokens';

/** VS Code in JupyterLab's Running panel: open it, stop it. */
export const runningPlugin = featurePlugin({
  name: 'running',
  description: 'VS Code in the Running panel, with open and stop.',
  optional: [IRunningSessionManagers],
  activate: ({ app, model, info, trans }, managers) => {
    managers?.add({
      name: info.title,
      running: () =>
        isActive(model.state)
          ? [
              {
                className: 'jp-vscode-RunningItem',
                open: () => void app.commands.execute(CommandIDs.open),
                shutdown: () => void app.commands.execute(CommandIDs.stop),
                icon: () => vscodeIcon,
                label: () =>
                  trans.__(
                    '%1 (%2)',
                    info.title,
                    describeState(model.state, trans)
                  ),
                labelTitle: () => statusSummary(info.title, model.status, trans)
              }
            ]
          : [],
      shutdownAll: () => void app.commands.execute(CommandIDs.stop),
      refreshRunning: () => void model.refresh(),
      runningChanged: model.stateChanged,
      shutdownLabel: trans.__('Stop'),
      shutdownAllLabel: trans.__('Stop'),
      shutdownAllConfirmationText: trans.__(
        'Stop %1? Its terminals and running tasks end; unsaved editors are kept as backups.',
        info.title
      )
    });
  }
});
