import { Dialog, showDialog } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { Menu, Widget } from '@lumino/widgets';

import {
  describeState,
  dialogTitle,
  statusSummary,
  statusTooltip
} from './format';
import { CommandIDs, IVSCodeStatusModel, PLUGIN_ID, Trans } from './tokens';

/** Lines of code-server's log shown in the dialog. */
const LOG_LINES = 60;

/**
 * The status bar item: a coloured dot and "VS Code: running". A click opens a
 * small menu: open, restart, stop, show log.
 */
export class VSCodeStatusItem extends Widget {
  constructor(
    private readonly _model: IVSCodeStatusModel,
    private readonly _commands: CommandRegistry,
    private readonly _trans: Trans
  ) {
    super();
    this.addClass('jp-vscode-StatusItem');
    this.node.innerHTML =
      '<span class="jp-vscode-StatusDot"></span><span class="jp-vscode-StatusText"></span>';
    this._model.changed.connect(this._update, this);
    this._update();
    this.node.addEventListener('click', this);
  }

  handleEvent(event: Event): void {
    if (event.type !== 'click') {
      return;
    }
    if (this._model.state === 'misconfigured') {
      // nothing to open, restart or stop: say what to fix
      void showLogDialog(this._model, this._commands, this._trans);
    } else {
      this._openMenu();
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.node.removeEventListener('click', this);
    this._model.changed.disconnect(this._update, this);
    super.dispose();
  }

  private _update(): void {
    const { status, state, title } = this._model;
    this.node.dataset.state = state ?? 'unknown';
    const text = this.node.querySelector('.jp-vscode-StatusText');
    if (text) {
      text.textContent = this._trans.__(
        '%1: %2',
        title,
        describeState(state, this._trans)
      );
    }
    this.node.title = statusTooltip(title, status, this._trans);
  }

  private _openMenu(): void {
    const menu = new Menu({ commands: this._commands });
    menu.addClass('jp-vscode-StatusMenu');
    menu.addItem({ command: CommandIDs.open });
    menu.addItem({ type: 'separator' });
    menu.addItem({ command: CommandIDs.restart });
    menu.addItem({ command: CommandIDs.stop });
    menu.addItem({ command: CommandIDs.showLog });
    menu.aboutToClose.connect(() => setTimeout(() => menu.dispose()));
    const rect = this.node.getBoundingClientRect();
    menu.open(rect.left, rect.top, { forceY: false });
  }
}

let dialogOpen = false;

/**
 * Show the status, the error and the tail of code-server's log; offers a
 * restart. At most one such dialog at a time.
 */
export async function showLogDialog(
  model: IVSCodeStatusModel,
  commands: CommandRegistry,
  trans: Trans,
  heading?: string
): Promise<void> {
  if (dialogOpen) {
    return;
  }
  dialogOpen = true;
  try {
    const { status, title } = model;
    let lines: string[] = [];
    let logFile = status?.log_file ?? null;
    try {
      const log = await model.logTail(LOG_LINES);
      lines = log.lines;
      logFile = log.log_file;
    } catch (reason) {
      lines = [trans.__('(the log could not be read: %1)', String(reason))];
    }
    const body = new Widget();
    body.addClass('jp-vscode-LogDialog');
    const summary = document.createElement('p');
    summary.textContent = statusSummary(title, status, trans);
    body.node.appendChild(summary);
    if (status?.error) {
      const error = document.createElement('p');
      error.className = 'jp-vscode-LogError';
      error.textContent = status.error;
      body.node.appendChild(error);
    }
    const misconfigured = status?.state === 'misconfigured';
    const where = document.createElement('p');
    where.textContent = logFile
      ? trans.__('Last lines of %1:', logFile)
      : trans.__('Last lines of the log:');
    const pre = document.createElement('pre');
    pre.className = 'jp-vscode-LogTail';
    pre.textContent = lines.length ? lines.join('\n') : trans.__('(empty)');
    if (!misconfigured) {
      // a misconfigured server never started code-server: no log to show
      body.node.appendChild(where);
      body.node.appendChild(pre);
    }
    const close = Dialog.cancelButton({ label: trans.__('Close') });
    const result = await showDialog({
      title: heading ?? dialogTitle(title, status, trans),
      body,
      // restarting cannot help until the option is fixed and Jupyter restarted
      buttons: misconfigured
        ? [close]
        : [close, Dialog.okButton({ label: trans.__('Restart') })]
    });
    if (result.button.accept) {
      void commands.execute(CommandIDs.restart).catch(reason => {
        console.warn(`${PLUGIN_ID}: restart failed`, reason);
      });
    }
  } finally {
    dialogOpen = false;
  }
}
