import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IRunningSessionManagers } from '@jupyterlab/running';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { describeState, isActive, statusSummary } from './format';
import { vscodeIcon } from './icons';
import {
  CommandIDs,
  IVSCodeOpener,
  IVSCodeStatusModel,
  PACKAGE,
  TRANSLATION_DOMAIN
} from './tokens';

/** VS Code in JupyterLab's Running panel: open it, stop it. */
export const runningPlugin: JupyterFrontEndPlugin<void> = {
  id: `${PACKAGE}:running`,
  description: 'VS Code in the Running panel, with open and stop.',
  autoStart: true,
  requires: [IVSCodeStatusModel, IVSCodeOpener],
  optional: [IRunningSessionManagers, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    model: IVSCodeStatusModel,
    _opener: IVSCodeOpener, // required: the items run the commands
    managers: IRunningSessionManagers | null,
    translator: ITranslator | null
  ): void => {
    if (!managers) {
      return;
    }
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    model.whenInfo(info => {
      managers.add({
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
                  labelTitle: () =>
                    statusSummary(info.title, model.status, trans)
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
    });
  }
};
