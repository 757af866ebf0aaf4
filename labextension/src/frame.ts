import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { vscodeIcon } from './icons';
import { TRACKER_NAMESPACE } from './tokens';
import { ITabArgs } from './urls';

/**
 * VS Code in an `<iframe>`, without a sandbox: it is served by the same origin
 * as JupyterLab (Jupyter's CSP `frame-ancestors 'self'` allows that), runs the
 * user's code anyway, and needs scripts, storage, popups and downloads.
 * The clipboard permissions are delegated so that copy/paste works where the
 * browser allows it (Chromium: yes; Firefox/Safari: keyboard shortcuts only).
 */
export class VSCodeFrame extends Widget {
  constructor(
    args: ITabArgs,
    private readonly _absolute: (url: string) => string
  ) {
    super();
    this.addClass('jp-vscode-Frame');
    const iframe = document.createElement('iframe');
    iframe.setAttribute(
      'allow',
      'clipboard-read; clipboard-write; fullscreen; cross-origin-isolated'
    );
    this.node.appendChild(iframe);
    this._args = args;
    this._show(args);
  }

  /** What this tab shows (the restorer stores it). */
  get args(): ITabArgs {
    return this._args;
  }

  /** The `<iframe>` element. */
  get iframe(): HTMLIFrameElement {
    return this.node.querySelector('iframe') as HTMLIFrameElement;
  }

  /** Show another URL of the same folder (e.g. a file to open): VS Code reloads. */
  navigate(args: ITabArgs): void {
    if (args.url !== this._args.url) {
      this._args = args;
      this._show(args);
    }
  }

  /** Give the keyboard to VS Code when the tab is activated. */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    this.iframe.focus();
  }

  private _show(args: ITabArgs): void {
    this.iframe.title = args.label;
    this.iframe.src = this._absolute(args.url);
  }

  private _args: ITabArgs;
}

export type VSCodeTab = MainAreaWidget<VSCodeFrame>;

/**
 * VS Code tabs in JupyterLab's main area: one per folder. Opening a folder
 * that has a tab activates that tab (navigating it if the URL differs, e.g.
 * to open a file); the tracker lets the layout restorer reopen them.
 */
export class VSCodeTabs {
  constructor(
    private readonly _app: JupyterFrontEnd,
    private readonly _absolute: (url: string) => string
  ) {}

  readonly tracker = new WidgetTracker<VSCodeTab>({
    namespace: TRACKER_NAMESPACE
  });

  /** Open (or reuse) the tab of `args.folder`. */
  async open(args: ITabArgs): Promise<VSCodeTab> {
    const existing = this.tracker.find(
      widget => widget.content.args.folder === args.folder
    );
    if (existing) {
      existing.content.navigate(args);
      this._label(existing, args);
      void this.tracker.save(existing);
      this._app.shell.activateById(existing.id);
      return existing;
    }
    const content = new VSCodeFrame(args, this._absolute);
    const widget = new MainAreaWidget({ content });
    widget.id = `jupyter-vscode-frame-${++this._count}`;
    widget.addClass('jp-vscode-FramePanel');
    widget.title.icon = vscodeIcon;
    widget.title.closable = true;
    this._label(widget, args);
    // before adding to the shell, so that the restorer knows it when the layout is saved
    await this.tracker.add(widget);
    if (!widget.isAttached) {
      this._app.shell.add(widget, 'main');
    }
    this._app.shell.activateById(widget.id);
    return widget;
  }

  private _label(widget: VSCodeTab, args: ITabArgs): void {
    widget.title.label = args.label;
    widget.title.caption = this._absolute(args.url);
  }

  private _count = 0;
}
