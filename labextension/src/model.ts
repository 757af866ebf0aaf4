import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ITranslator } from '@jupyterlab/translation';

import { loadTrans } from './feature';
import { VSCodeStatusModel } from './status';
import { IVSCodeStatusModel, PACKAGE } from './tokens';

/**
 * Provides the shared status model. Asks for the launcher settings at once
 * (not awaited: the application does not wait for the server); if that fails
 * the commands still exist and ask again when run.
 */
export const statusModelPlugin: JupyterFrontEndPlugin<IVSCodeStatusModel> = {
  id: `${PACKAGE}:status`,
  description: "code-server's status and the launcher settings, shared.",
  autoStart: true,
  optional: [ITranslator],
  provides: IVSCodeStatusModel,
  activate: (
    _app: JupyterFrontEnd,
    translator: ITranslator | null
  ): IVSCodeStatusModel => {
    const trans = loadTrans(translator);
    const model = new VSCodeStatusModel(reason =>
      trans.__(
        'VS Code did not answer (is the jupyter_vscode server extension enabled?): %1',
        reason instanceof Error ? reason.message : String(reason)
      )
    );
    model.ensureInfo().catch(reason => {
      console.warn(`${PACKAGE}: ${String(reason?.message ?? reason)}`);
    });
    return model;
  }
};
