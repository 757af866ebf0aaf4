import { Dialog, showDialog } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { Menu, Widget } from '@lumino/widgets';

import { describeState, VSCodeStatusModel } from './status';
import { CommandIDs, IVSCodeStatus, PLUGIN_ID } from './tokens';

/** Lines of code-server's log shown in the dialog. */
const LOG_LINES = 60;

/**
 * The status bar item: a coloured dot and "VS Code: running". A click opens a
 * small menu: open, restart, stop, show log.
 */
export class VSCodeStatusItem extends Widget {
  constructor(
    private readonly _model: VSCodeStatusModel,
    private readonly _commands: CommandRegistry,
    private readonly _title: string
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
      void showLogDialog(this._model, this._commands, this._title);
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
    const status = this._model.status;
    const state = this._model.state;
    this.node.dataset.state = state ?? 'unknown';
    const text = this.node.querySelector('.jp-vscode-StatusText');
    if (text) {
      text.textContent = `${this._title}: ${describeState(state)}`;
    }
    this.node.title =
      state === 'misconfigured'
        ? `${statusSummary(this._title, status)}: ${status?.error ?? ''} (click for details)`
        : statusSummary(this._title, status) + ' (click for actions)';
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

/** One line describing the status, e.g. "VS Code: running (pid 42, 4.99.0, up 3 min)". */
export function statusSummary(
  title: string,
  status: IVSCodeStatus | null
): string {
  if (!status) {
    return `${title}: status unavailable`;
  }
  const facts: string[] = [];
  if (status.pid !== null && status.state === 'running') {
    facts.push(`pid ${status.pid}`);
  }
  if (status.version) {
    facts.push(`code-server ${status.version}`);
  }
  if (status.uptime !== null && status.state === 'running') {
    facts.push(`up ${formatDuration(status.uptime)}`);
  }
  const tail = facts.length ? ` (${facts.join(', ')})` : '';
  return `${title}: ${describeState(status.state)}${tail}`;
}

function formatDuration(seconds: number): string {
  if (seconds < 90) {
    return `${Math.round(seconds)} s`;
  }
  if (seconds < 5400) {
    return `${Math.round(seconds / 60)} min`;
  }
  return `${Math.round(seconds / 3600)} h`;
}

function dialogTitle(title: string, status: IVSCodeStatus | null): string {
  switch (status?.state) {
    case 'failed':
      return `${title} could not start`;
    case 'misconfigured':
      return `${title} is misconfigured`;
    default:
      return `${title} log`;
  }
}

let dialogOpen = false;

/**
 * Show the status, the error and the tail of code-server's log; offers a
 * restart. At most one such dialog at a time.
 */
export async function showLogDialog(
  model: VSCodeStatusModel,
  commands: CommandRegistry,
  title: string,
  heading?: string
): Promise<void> {
  if (dialogOpen) {
    return;
  }
  dialogOpen = true;
  try {
    const status = model.status;
    let lines: string[] = [];
    let logFile = status?.log_file ?? '';
    try {
      const log = await model.logTail(LOG_LINES);
      lines = log.lines;
      logFile = log.log_file ?? '';
    } catch (reason) {
      lines = [`(the log could not be read: ${String(reason)})`];
    }
    const body = new Widget();
    body.addClass('jp-vscode-LogDialog');
    const summary = document.createElement('p');
    summary.textContent = statusSummary(title, status);
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
      ? `Last lines of ${logFile}:`
      : 'Last lines of the log:';
    const pre = document.createElement('pre');
    pre.className = 'jp-vscode-LogTail';
    pre.textContent = lines.length ? lines.join('\n') : '(empty)';
    if (!misconfigured) {
      // a misconfigured server never started code-server: no log to show
      body.node.appendChild(where);
      body.node.appendChild(pre);
    }
    const close = Dialog.cancelButton({ label: 'Close' });
    const result = await showDialog({
      title: heading ?? dialogTitle(title, status),
      body,
      // restarting cannot help until the option is fixed and Jupyter restarted
      buttons: misconfigured
        ? [close]
        : [close, Dialog.okButton({ label: 'Restart' })]
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
